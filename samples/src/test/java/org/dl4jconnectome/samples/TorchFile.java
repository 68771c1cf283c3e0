package org.dl4jconnectome.samples;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.testutil.TorchPickle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes tensors as {@code torch.save} writes them (through the library tests' {@link TorchPickle}). bioplnn's
 * downloadable connectomes are sparse COO files of this kind; PyTorch is not needed to make one.
 */
final class TorchFile {
    private TorchFile() {
    }

    /** {@code torch.save(torch.tensor(values))} of a 1-D int64 tensor. */
    static void writeLongs(Path file, long[] values) throws IOException {
        byte[] pickle = new TorchPickle()
                .tensor("LongStorage", "0", values.length, 0, new long[] {values.length}, new long[] {1}).stop();
        TorchPickle.writeArchive(file, "archive", pickle, Map.of("0", TorchPickle.int64s(values)), "little");
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
        // _rebuild_sparse_tensor(torch.sparse_coo, (indices, values, torch.Size((rows, cols)), False))
        byte[] pickle = new TorchPickle()
                .global("torch._utils", "_rebuild_sparse_tensor").global("torch", "sparse_coo").mark()
                .tensor("LongStorage", "0", 2L * nnz, 0, new long[] {2, nnz}, new long[] {nnz, 1})
                .tensor("DoubleStorage", "1", nnz, 0, new long[] {nnz}, new long[] {1})
                .global("torch", "Size").mark().ints(m.rows(), m.cols()).tuple().reduce()
                .bool(false).tuple().op(0x86).reduce().stop();
        TorchPickle.writeArchive(file, "archive", pickle,
                Map.of("0", TorchPickle.int64s(indices), "1", TorchPickle.float64s(m.values())), "little");
    }
}
