package org.dl4jconnectome.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.ConnectomeCodec;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.dl4jconnectome.zoo.MnistClassifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.kryo.Nd4jRegistrator;
import scala.reflect.ClassTag$;
import scala.reflect.ClassTag;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connectome layer travels to executors in its compact form, with Java serialization and with Kryo: the fly's
 * published connectome (extent 15: 45,669 neurons, 1.5M synapses).
 */
class SerializationTest {
    private static ConnectomeOdeLayer layer;
    private static MultiLayerConfiguration configuration;
    /** The codec bytes of the connectome and the input projection. */
    private static long compact;
    /** Bytes of the connectome's own arrays (CSR indices and values, signs, type ids): what a field copy writes. */
    private static long arrays;

    @BeforeAll
    static void buildTheFlyConnectome() {
        MnistClassifier classifier = MnistClassifier.builder().extent(15).build();
        layer = classifier.odeLayer(classifier.connectome()).build();
        configuration = classifier.configuration(layer);
        Connectome c = layer.getConnectome();
        compact = ConnectomeCodec.encode(c).length + ConnectomeCodec.encode(layer.getInputProjection().matrix()).length;
        CsrMatrix w = c.synapses();
        arrays = (long) w.nnz() * (Integer.BYTES + Double.BYTES + (c.hasEdgeSigns() ? 1 : 0))
                + (long) (w.rows() + 1) * Integer.BYTES + (long) c.numNeurons() * Integer.BYTES;
        assertEquals(45_669, c.numNeurons());
        assertTrue(arrays > 15 * compact, "arrays " + arrays + " bytes, compact " + compact);
    }

    /** What the layer carries besides its connectome: per-neuron bias and the readout, as doubles and ints. */
    private static long layerArrays() {
        return (long) layer.getInitialBias().length * Double.BYTES
                + (long) layer.getOutputNeurons().length * Integer.BYTES
                + (layer.getTypePairGainInit() == null ? 0 : (long) layer.getTypePairGainInit().length * Double.BYTES);
    }

    @Test
    void javaAndKryoWriteTheCompactFormAndReadTheSameLayer() {
        long bound = compact + layerArrays() + 64 * 1024;
        for (SerializerInstance ser : List.of(kryo(ConnectomeKryoRegistrator.class), java())) {
            ByteBuffer bytes = ser.serialize(configuration, tag(MultiLayerConfiguration.class));
            int size = bytes.remaining();
            assertTrue(size >= compact && size <= bound, ser.getClass().getSimpleName() + ": " + size
                    + " bytes, expected " + compact + ".." + bound);
            MultiLayerConfiguration back = ser.deserialize(bytes, tag(MultiLayerConfiguration.class));
            ConnectomeOdeLayer l = (ConnectomeOdeLayer) back.getConf(0).getLayer();
            assertNotSame(layer, l);
            assertEquals(layer, l);
            assertEquals(layer.getConnectome(), l.getConnectome());
            assertEquals(layer.getInputProjection(), l.getInputProjection());
            assertEquals(configuration.toJson(), back.toJson());
        }
    }

    @Test
    void kryoWithoutTheConnectomeRegistrationWritesTheArrays() {
        int size = kryo(Nd4jRegistrator.class).serialize(configuration, tag(MultiLayerConfiguration.class))
                .remaining();
        assertTrue(size >= arrays, "Nd4jRegistrator alone: " + size + " bytes, arrays " + arrays);
    }

    @Test
    void executorsReceiveAndReturnTheLayerInCompactForm() {
        for (boolean kryo : new boolean[] {true, false}) {
            try (MeteredSparkContext sc = new MeteredSparkContext(LocalSpark.conf(kryo))) {
                // The task carries the layer to the executor (Java serialization); the executor checks it and
                // stores it serialized (spark.serializer); its result comes back through spark.serializer too.
                int expectedSynapses = layer.getConnectome().numSynapses();
                JavaRDD<ConnectomeOdeLayer> rdd = sc.parallelize(List.of(layer), 1)
                        .map(l -> {
                            if (l.getConnectome().numSynapses() != expectedSynapses) {
                                throw new IllegalStateException("executor got " + l.getConnectome());
                            }
                            return l;
                        })
                        .persist(StorageLevel.MEMORY_ONLY_SER());
                List<ConnectomeOdeLayer> back = rdd.collect();
                assertEquals(layer, back.get(0));
                assertNotSame(layer, back.get(0));
                long stored = 0;
                for (RDDInfo info : sc.sc().getRDDStorageInfo()) {
                    stored += info.memSize();
                }
                long bound = compact + layerArrays() + 64 * 1024;
                assertTrue(stored >= compact && stored <= bound, (kryo ? "kryo" : "java") + ": executor stored "
                        + stored + " bytes, expected " + compact + ".." + bound);
            }
        }
    }

    private static SerializerInstance kryo(Class<?> registrator) {
        return new KryoSerializer(new SparkConf().set("spark.kryo.registrator", registrator.getName()))
                .newInstance();
    }

    private static SerializerInstance java() {
        return new JavaSerializer(new SparkConf()).newInstance();
    }

    private static <T> ClassTag<T> tag(Class<T> c) {
        return ClassTag$.MODULE$.apply(c);
    }
}
