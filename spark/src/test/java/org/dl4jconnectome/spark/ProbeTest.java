package org.dl4jconnectome.spark;

import org.apache.spark.SparkConf;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.dl4jconnectome.zoo.Mnist;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.dl4jconnectome.zoo.MnistConnectome;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

class ProbeTest {
    @Test
    void probe() throws Exception {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("probe")
                .set("spark.ui.enabled", "false")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", ConnectomeKryoRegistrator.class.getName());
        MnistClassifier c = MnistClassifier.builder().kind(MnistClassifier.Kind.CELEGANS).learningRate(Double.parseDouble(System.getProperty("lr","0.01"))).build();
        MnistConnectome m = c.connectome();
        MultiLayerNetwork net = new MultiLayerNetwork(c.configuration(m));
        net.init();
        Mnist mnist = Mnist.bundled();
        try (MeteredSparkContext sc = new MeteredSparkContext(conf)) {
            long t0 = System.nanoTime();
            DistributedTrainer.Result r = DistributedTrainer.train(sc, net, mnist, new DistributedTrainer.Settings(
                    Integer.getInteger("ep",3), 16, 4, 2, Integer.getInteger("n",512), 64, System.getProperty("java.io.tmpdir") + "/probe-export",
                    RDDTrainingApproach.Export, Repartition.Always, 1));
            System.out.println("PROBE before " + r.lossBefore() + " after " + r.lossAfter() + " epochs "
                    + Arrays.toString(r.epochSeconds()) + " bytes " + Arrays.toString(r.broadcastBytes())
                    + " acc " + r.evaluation().accuracy() + " total " + (System.nanoTime() - t0) / 1e9);
        }
    }
}
