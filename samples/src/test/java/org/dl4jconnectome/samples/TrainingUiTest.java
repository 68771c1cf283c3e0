package org.dl4jconnectome.samples;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Starting and stopping the UI server: one at a time, a taken port is a clear failure that leaves nothing behind. */
class TrainingUiTest {
    @Test
    void aTakenPortIsAClearFailureAndALaterStartWorks() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(TrainingUi.LOOPBACK))) {
            CliError e = assertThrows(CliError.class, () -> TrainingUi.start(taken.getLocalPort()));
            assertEquals(CliError.FAILURE, e.exitCode());
            assertTrue(e.getMessage().startsWith("the UI could not listen on 127.0.0.1:" + taken.getLocalPort()
                    + ": "), e.getMessage());
        }
        TrainingUi ui = TrainingUi.start(0);
        try {
            CliError twice = assertThrows(CliError.class, () -> TrainingUi.start(0));
            assertTrue(twice.getMessage().contains("already running"), twice.getMessage());
            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(ui.address() + "/train/overview")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode());
        } finally {
            TrainingUi.stop();
        }
        CliError port = assertThrows(CliError.class, () -> TrainingUi.start(70_000));
        assertEquals(CliError.USAGE, port.exitCode());
        assertEquals("--ui-port 70000: expected 0 (any free port) .. 65535", port.getMessage());
    }
}
