package org.dl4jconnectome.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.zoo.MnistClassifier;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Test fixtures: a local[2] Spark configuration, the small classifier, and what a run may leave behind. */
final class LocalSpark {
    /** The small network of the tests: C. elegans (299 neurons), Adam at 0.01 so that a few epochs show. */
    static final MnistClassifier CLASSIFIER = MnistClassifier.builder().kind(MnistClassifier.Kind.CELEGANS)
            .learningRate(0.01).hidden(32).build();

    private LocalSpark() {
    }

    static SparkConf conf(boolean kryo) {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("test")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1");
        if (kryo) {
            conf.set("spark.serializer", KryoSerializer.class.getName())
                    .set("spark.kryo.registrator", ConnectomeKryoRegistrator.class.getName());
        } else {
            conf.set("spark.serializer", JavaSerializer.class.getName());
        }
        return conf;
    }

    static MultiLayerNetwork newNetwork() {
        MultiLayerNetwork net = new MultiLayerNetwork(CLASSIFIER.configuration(CLASSIFIER.connectome()));
        net.init();
        return net;
    }

    /** Aeron's directories in /dev/shm (gradient sharing's media driver), which a run must not leave. */
    static Set<String> aeronShm() throws IOException {
        Path shm = Path.of("/dev/shm");
        Set<String> names = new TreeSet<>();
        if (Files.isDirectory(shm)) {
            try (Stream<Path> s = Files.list(shm)) {
                s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("aeron")).forEach(names::add);
            }
        }
        return names;
    }

    /** Everything under a directory, relative to it. */
    static Set<String> contents(Path dir) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString()).forEach(names::add);
        }
        return names;
    }
}
