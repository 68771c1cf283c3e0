package org.dl4jconnectome.samples;

import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * Runs a command of the command line in this JVM and keeps what it printed: on its standard output, on its error
 * output, and in the log (DL4J's listeners log through SLF4J to {@code System.err}).
 */
final class CommandRunner {
    final int exitCode;
    final String out;
    final String err;
    final String log;

    private CommandRunner(int exitCode, String out, String err, String log) {
        this.exitCode = exitCode;
        this.out = out;
        this.err = err;
        this.log = log;
    }

    static synchronized CommandRunner run(String... args) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream systemErr = System.err;
        // Redirected before the command line is built: built earlier, picocli kept writing to the old System.err.
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try {
            CommandLine cl = ConnectomeCli.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            code = cl.execute(args);
        } finally {
            System.setErr(systemErr);
        }
        return new CommandRunner(code, out.toString(), err.toString(), log.toString(StandardCharsets.UTF_8));
    }
}
