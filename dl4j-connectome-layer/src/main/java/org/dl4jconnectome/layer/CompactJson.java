package org.dl4jconnectome.layer;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.ConnectomeCodec;
import org.dl4jconnectome.connectome.InputProjection;
import org.nd4j.shade.jackson.core.JsonGenerator;
import org.nd4j.shade.jackson.core.JsonParser;
import org.nd4j.shade.jackson.databind.DeserializationContext;
import org.nd4j.shade.jackson.databind.JsonDeserializer;
import org.nd4j.shade.jackson.databind.JsonSerializer;
import org.nd4j.shade.jackson.databind.SerializerProvider;

import java.io.IOException;

/**
 * Jackson (de)serializers that store connectome-sized data in a layer's JSON configuration as one base64 string of
 * {@link ConnectomeCodec} binary, instead of millions of JSON numbers.
 */
final class CompactJson {
    private CompactJson() {
    }

    static final class ConnectomeSerializer extends JsonSerializer<Connectome> {
        @Override
        public void serialize(Connectome value, JsonGenerator gen, SerializerProvider sp) throws IOException {
            gen.writeBinary(ConnectomeCodec.encode(value));
        }
    }

    static final class ConnectomeDeserializer extends JsonDeserializer<Connectome> {
        @Override
        public Connectome deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return ConnectomeCodec.decodeConnectome(p.getBinaryValue());
        }
    }

    static final class InputProjectionSerializer extends JsonSerializer<InputProjection> {
        @Override
        public void serialize(InputProjection value, JsonGenerator gen, SerializerProvider sp) throws IOException {
            gen.writeBinary(ConnectomeCodec.encode(value.matrix()));
        }
    }

    static final class InputProjectionDeserializer extends JsonDeserializer<InputProjection> {
        @Override
        public InputProjection deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return InputProjection.of(ConnectomeCodec.decodeMatrix(p.getBinaryValue()));
        }
    }

    static final class IntsSerializer extends JsonSerializer<int[]> {
        @Override
        public void serialize(int[] value, JsonGenerator gen, SerializerProvider sp) throws IOException {
            gen.writeBinary(ConnectomeCodec.encode(value));
        }
    }

    static final class IntsDeserializer extends JsonDeserializer<int[]> {
        @Override
        public int[] deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return ConnectomeCodec.decodeInts(p.getBinaryValue());
        }
    }

    static final class DoublesSerializer extends JsonSerializer<double[]> {
        @Override
        public void serialize(double[] value, JsonGenerator gen, SerializerProvider sp) throws IOException {
            gen.writeBinary(ConnectomeCodec.encode(value));
        }
    }

    static final class DoublesDeserializer extends JsonDeserializer<double[]> {
        @Override
        public double[] deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return ConnectomeCodec.decodeDoubles(p.getBinaryValue());
        }
    }
}
