package org.dl4jconnectome.connectome;

import java.io.InvalidObjectException;
import java.io.ObjectStreamException;
import java.io.Serializable;

/**
 * The Java-serialized form of a {@link Connectome} or {@link InputProjection}: its {@link ConnectomeCodec} bytes (a
 * fly connectome of 1.5M synapses is about 0.8 MB so, against about 20 MB for its arrays), which Spark, DL4J's
 * ParallelWrapper and {@code ObjectOutputStream} users send. Decoding checks the codec's checksum.
 */
final class CompactForm implements Serializable {
    private static final long serialVersionUID = 1L;

    private final boolean projection;
    private final byte[] encoded;

    private CompactForm(boolean projection, byte[] encoded) {
        this.projection = projection;
        this.encoded = encoded;
    }

    static CompactForm of(Connectome c) {
        return new CompactForm(false, ConnectomeCodec.encode(c));
    }

    static CompactForm of(InputProjection p) {
        return new CompactForm(true, ConnectomeCodec.encode(p.matrix()));
    }

    private Object readResolve() throws ObjectStreamException {
        try {
            return projection ? InputProjection.of(ConnectomeCodec.decodeMatrix(encoded))
                    : ConnectomeCodec.decodeConnectome(encoded);
        } catch (IllegalArgumentException e) {
            InvalidObjectException ex = new InvalidObjectException("corrupt serialized "
                    + (projection ? "InputProjection" : "Connectome") + ": " + e.getMessage());
            ex.initCause(e);
            throw ex;
        }
    }
}
