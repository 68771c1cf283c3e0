package org.dl4jconnectome.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.InputProjection;
import org.nd4j.kryo.Nd4jRegistrator;

/**
 * Spark's Kryo registrator for connectome networks: ND4J's arrays as {@link Nd4jRegistrator} registers them, and
 * {@link Connectome} and {@link InputProjection} through their Java serialization, which writes the compact,
 * checksummed codec form (a fly connectome of 1.5M synapses is about 0.8 MB so, against about 20 MB for the arrays
 * that Kryo's default field serializer would write).
 * <p>
 * Use it in place of {@code Nd4jRegistrator}:
 * {@code --conf spark.serializer=org.apache.spark.serializer.KryoSerializer
 * --conf spark.kryo.registrator=org.dl4jconnectome.spark.ConnectomeKryoRegistrator}.
 */
public class ConnectomeKryoRegistrator extends Nd4jRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        super.registerClasses(kryo);
        kryo.register(Connectome.class, new JavaSerializer());
        kryo.register(InputProjection.class, new JavaSerializer());
    }
}
