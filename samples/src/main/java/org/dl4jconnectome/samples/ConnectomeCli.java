package org.dl4jconnectome.samples;

import picocli.CommandLine.Command;
import picocli.CommandLine;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code connectome} command line: {@code java -jar samples/target/connectome.jar <command> [options]}.
 * <p>
 * Started without the JVM option {@code --add-modules jdk.incubator.vector}, it restarts itself once with it, so the
 * SIMD kernels are used by default; set {@code DL4JCONNECTOME_NO_RELAUNCH=1} to keep the first JVM (scalar kernels).
 */
@Command(name = "connectome", mixinStandardHelpOptions = true, versionProvider = ConnectomeCli.Version.class,
        description = "Connectome-constrained ODE-RNNs with neuron types on DL4J.",
        subcommands = {CommandLine.HelpCommand.class})
public final class ConnectomeCli {
    static final String NO_RELAUNCH = "DL4JCONNECTOME_NO_RELAUNCH";

    private ConnectomeCli() {
    }

    public static void main(String[] args) {
        Integer relaunched = relaunchWithVectorApi(args);
        if (relaunched != null) {
            System.exit(relaunched);
        }
        System.exit(commandLine().execute(args));
    }

    /** The command tree (also used by tests, which run commands in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ConnectomeCli());
        for (Object sub : Commands.all()) {
            cl.addSubcommand(sub);
        }
        // A configuration saved by 'search' is an @file of train-mnist options; options after it override it.
        cl.getSubcommands().get("train-mnist").setOverwrittenOptionsAllowed(true);
        CliError.install(cl);
        return cl;
    }

    /** Re-runs this command in a JVM with the Vector API module; returns its exit code, or null to run here. */
    private static Integer relaunchWithVectorApi(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() || System.getenv(NO_RELAUNCH) != null) {
            return null;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ConnectomeCli.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(NO_RELAUNCH, "1");
        try {
            return pb.start().waitFor();
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ConnectomeCli.class.getPackage().getImplementationVersion();
            return new String[] {"connectome " + (v == null ? "(development)" : v) + ", Java "
                    + System.getProperty("java.version")};
        }
    }
}
