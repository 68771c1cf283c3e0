package org.dl4jconnectome.samples;

import org.dl4jconnectome.io.Npy;
import org.dl4jconnectome.io.NpyArray;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Runs the command line in-process, capturing what it prints. */
final class Cli {
    private Cli() {
    }

    /** Exit code and the text printed on stdout and stderr. */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    static Result run(List<String> args) {
        return run(args.toArray(new String[0]));
    }

    static Result run(String... args) {
        CommandLine cl = ConnectomeCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Reads an output .npy, checking its dtype and shape [B, N, points]. */
    static double[] readStates(Path file, String dtype, long batch, long neurons, long points) throws IOException {
        NpyArray a = Npy.read(file);
        if (!a.dtype().equals(dtype) || !Arrays.equals(a.shape(), new long[] {batch, neurons, points})) {
            throw new AssertionError(file + " has dtype " + a.dtype() + " and shape "
                    + Arrays.toString(a.shape()) + ", expected " + dtype + " [" + batch + ", " + neurons
                    + ", " + points + "]");
        }
        return a.toDoubleArray();
    }
}
