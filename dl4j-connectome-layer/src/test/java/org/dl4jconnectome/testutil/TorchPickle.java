package org.dl4jconnectome.testutil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes {@code torch.save} archives for tests: a pickle emitted opcode by opcode, as PyTorch's protocol-2 pickler
 * emits it for tensors, and a zip of stored entries laid out as PyTorch lays them out. Shared with the samples'
 * tests through this module's test jar.
 */
public final class TorchPickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public TorchPickle() {
        out.write(0x80);
        out.write(2);
    }

    public TorchPickle global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    /** The protocol-4 form of a global: module and name strings, then STACK_GLOBAL. */
    public TorchPickle stackGlobal(String module, String name) {
        return str(module).str(name).op(0x93);
    }

    public TorchPickle str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        return this;
    }

    public TorchPickle integer(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v == (int) v) {
            out.write('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            out.write(0x8a);
            out.write(8);
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
        return this;
    }

    /** A tuple of integers (a tensor size or stride). */
    public TorchPickle ints(long... values) {
        mark();
        for (long v : values) {
            integer(v);
        }
        return tuple();
    }

    public TorchPickle bool(boolean b) {
        return op(b ? 0x88 : 0x89);
    }

    public TorchPickle mark() {
        return op('(');
    }

    public TorchPickle tuple() {
        return op('t');
    }

    public TorchPickle emptyTuple() {
        return op(')');
    }

    public TorchPickle reduce() {
        return op('R');
    }

    public TorchPickle emptyDict() {
        return op('}');
    }

    /** The persistent id of a storage entry: ('storage', torch.&lt;type&gt;, key, 'cpu', numel), then BINPERSID. */
    public TorchPickle storage(String type, String key, long numel) {
        mark().str("storage").global("torch", type).str(key).str("cpu").integer(numel).tuple();
        return op('Q');
    }

    /**
     * {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())}, as torch.save writes
     * a dense tensor.
     */
    public TorchPickle tensor(String type, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark().storage(type, key, numel).integer(offset).ints(size).ints(stride).bool(false);
        global("collections", "OrderedDict").emptyTuple().reduce();
        return tuple().reduce();
    }

    public TorchPickle op(int code) {
        out.write(code);
        return this;
    }

    public byte[] stop() {
        out.write('.');
        return out.toByteArray();
    }

    /**
     * Writes the archive: {@code <archive>/data.pkl}, then each storage as {@code <archive>/data/<key>}, then
     * {@code <archive>/version} and, when given, {@code <archive>/byteorder}, all stored uncompressed.
     */
    public static void writeArchive(Path file, String archive, byte[] pickle, Map<String, byte[]> storages,
                             String byteOrder) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(zip, archive + "/data.pkl", pickle);
            for (Map.Entry<String, byte[]> e : storages.entrySet()) {
                stored(zip, archive + "/data/" + e.getKey(), e.getValue());
            }
            stored(zip, archive + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            if (byteOrder != null) {
                stored(zip, archive + "/byteorder", byteOrder.getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    public static byte[] int64s(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return b.array();
    }

    public static byte[] float64s(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return b.array();
    }

    public static byte[] float32s(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }
}
