package org.dl4jconnectome.samples;

import picocli.CommandLine;

/**
 * A failure that the command line reports as one line, {@code error: <message>}, without a stack trace: either bad
 * arguments or input files (exit code 2, as picocli's own usage errors) or a failure while running (exit code 1).
 */
final class CliError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Bad arguments or input files. */
    static final int USAGE = 2;
    /** The arguments were fine but the work failed (the solver, writing the output). */
    static final int FAILURE = 1;

    private final int exitCode;

    private CliError(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A bad argument or input file; the message should name the option, the value and what was expected. */
    static CliError usage(String message) {
        return new CliError(message, USAGE, null);
    }

    static CliError usage(String message, Throwable cause) {
        return new CliError(message, USAGE, cause);
    }

    static CliError failure(String message, Throwable cause) {
        return new CliError(message, FAILURE, cause);
    }

    int exitCode() {
        return exitCode;
    }

    /** Installs one-line error reporting on a command tree (call after adding the subcommands). */
    static void install(CommandLine cl) {
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine cmd = ex.getCommandLine();
            // picocli starts some of its messages (argument groups) with an "Error: " of its own.
            String message = String.valueOf(ex.getMessage()).replaceFirst("^Error: ", "");
            cmd.getErr().println("error: " + message + " (see '" + cmd.getCommandSpec().qualifiedName()
                    + " --help')");
            return cmd.getCommandSpec().exitCodeOnInvalidInput();
        });
        cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof CliError) {
                cmd.getErr().println("error: " + ex.getMessage());
                return ((CliError) ex).exitCode();
            }
            // Anything else is unexpected: still one line, with the exception's type when its message is bare.
            cmd.getErr().println("error: " + (ex.getMessage() == null ? ex.toString()
                    : ex.getClass().getSimpleName() + ": " + ex.getMessage()));
            return cmd.getCommandSpec().exitCodeOnExecutionException();
        });
    }
}
