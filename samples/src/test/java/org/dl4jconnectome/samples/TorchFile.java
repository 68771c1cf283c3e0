package org.dl4jconnectome.samples;

import org.dl4jconnectome.connectome.CsrMatrix;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes tensors as {@code torch.save} writes them: a protocol-2 pickle that rebuilds the tensor from its storages,
 * in a zip of stored entries. bioplnn's downloadable connectomes are sparse COO files of this kind; PyTorch is not
 * needed to make one.
 */
final class TorchFile {
    private final ByteArrayOutputStream pickle = new ByteArrayOutputStream();

    private TorchFile() {
        pickle.write(0x80);
        pickle.write(2);
    }

    /** {@code torch.save(torch.tensor(values))} of a 1-D int64 tensor. */
    static void writeLongs(Path file, long[] values) throws IOException {
        TorchFile p = new TorchFile();
        p.tensor("LongStorage", "0", values.length, new long[] {values.length}, new long[] {1});
        p.op('.');
        ByteBuffer data = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        data.asLongBuffer().put(values);
        p.archive(file, data.array());
    }

    /** {@code torch.save(torch.sparse_coo_tensor(indices, values, size))} with int64 indices and float64 values. */
    static void writeSparse(Path file, CsrMatrix m) throws IOException {
        int nnz = m.nnz();
        long[] indices = new long[2 * nnz];
        int[] rows = m.rowIndices();
        int[] cols = m.columnIndices();
        for (int e = 0; e < nnz; e++) {
            indices[e] = rows[e];
            indices[nnz + e] = cols[e];
        }
        TorchFile p = new TorchFile();
        p.global("torch._utils", "_rebuild_sparse_tensor").global("torch", "sparse_coo");
        p.op('(');
        p.tensor("LongStorage", "0", 2L * nnz, new long[] {2, nnz}, new long[] {nnz, 1});
        p.tensor("DoubleStorage", "1", nnz, new long[] {nnz}, new long[] {1});
        p.global("torch", "Size").op('(').ints(m.rows(), m.cols()).op('t').op('R');
        p.op(0x89);
        p.op('t').op(0x86).op('R').op('.');

        ByteBuffer idx = ByteBuffer.allocate(16 * nnz).order(ByteOrder.LITTLE_ENDIAN);
        idx.asLongBuffer().put(indices);
        ByteBuffer val = ByteBuffer.allocate(8 * nnz).order(ByteOrder.LITTLE_ENDIAN);
        val.asDoubleBuffer().put(m.values());
        p.archive(file, idx.array(), val.array());
    }

    /** The zip: the pickle, then storage i as entry data/i. */
    private void archive(Path file, byte[]... storages) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(zip, "archive/data.pkl", pickle.toByteArray());
            for (int i = 0; i < storages.length; i++) {
                stored(zip, "archive/data/" + i, storages[i]);
            }
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            stored(zip, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** {@code _rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())}. */
    private void tensor(String storageType, String key, long numel, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        op('(').str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).op('t').op('Q');
        integer(0).ints(size).ints(stride).op(0x89);
        global("collections", "OrderedDict").op(')').op('R');
        op('t').op('R');
    }

    private TorchFile global(String module, String name) {
        pickle.write('c');
        pickle.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    private TorchFile str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        pickle.write('X');
        pickle.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        pickle.writeBytes(b);
        return this;
    }

    /** BININT: every count here fits in 32 bits. */
    private TorchFile integer(long v) {
        pickle.write('J');
        pickle.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(Math.toIntExact(v)).array());
        return this;
    }

    private TorchFile ints(long... values) {
        op('(');
        for (long v : values) {
            integer(v);
        }
        return op('t');
    }

    private TorchFile op(int code) {
        pickle.write(code);
        return this;
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
}
