package org.dl4jconnectome.samples;

import picocli.CommandLine.Option;

/** {@code --ui} and {@code --ui-port}, shared by {@code train-mnist} and {@code search}. */
final class UiOptions {
    @Option(names = "--ui",
            description = "Serve DL4J's UI on http://127.0.0.1:PORT (loopback only) while the command runs; on a "
                    + "terminal the command then waits for Enter before it exits.")
    boolean enabled;

    @Option(names = "--ui-port", paramLabel = "PORT",
            description = "Port of the UI, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = TrainingUi.DEFAULT_PORT;
}
