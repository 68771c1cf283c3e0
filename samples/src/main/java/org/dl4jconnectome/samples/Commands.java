package org.dl4jconnectome.samples;

import java.util.List;

/** The subcommands of {@link ConnectomeCli}, one class each. */
final class Commands {
    private Commands() {
    }

    static List<Object> all() {
        return List.of(
                new SimulateCommand(),
                new InfoCommand(),
                new BenchCommand(),
                new TutorialCommand(),
                new TrainMnistCommand(),
                new TrainMnistSameDiffCommand(),
                new SearchCommand(),
                new ZooCommand());
    }
}
