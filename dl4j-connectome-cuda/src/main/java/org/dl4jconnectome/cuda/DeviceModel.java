package org.dl4jconnectome.cuda;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.model.ConnectomeModel;

/**
 * The fixed structure of a model on the device, uploaded once and shared, read-only, by every field on the model:
 * A as CSR, Aᵀ as CSR with the CSR position of each of its entries (so the reverse pass gathers without atomics),
 * U as CSR and as CSC, the nonlinearity code of every row, and the sign (and type-pair gain index) of every synapse.
 */
final class DeviceModel {
    final int n;
    final int inputs;
    final int nnz;
    final int inputNnz;
    final int numGains;
    final DeviceArray rowPtr;
    final DeviceArray col;
    final DeviceArray rowPtrT;
    final DeviceArray colT;
    final DeviceArray permT;
    final DeviceArray uRowPtr;
    final DeviceArray uCol;
    final DeviceArray utPtr;
    final DeviceArray utRow;
    final DeviceArray utPos;
    final DeviceArray phiCode;
    final DeviceArray sign;
    final DeviceArray gainIndex;

    private DeviceModel(CudaStream s, ConnectomeModel model) {
        Connectome c = model.connectome();
        CsrMatrix a = c.synapses();
        CsrMatrix u = model.inputProjection().matrix();
        this.n = c.numNeurons();
        this.inputs = model.numInputs();
        this.nnz = a.nnz();
        this.inputNnz = u.nnz();
        this.numGains = model.effectiveWeights().numGains();
        int[] ptr = a.rowPointers();
        int[] cols = a.columnIndices();
        Transpose t = Transpose.of(n, n, ptr, cols);
        this.rowPtr = ints(s, ptr);
        this.col = ints(s, cols);
        this.rowPtrT = ints(s, t.rowPtr);
        this.colT = ints(s, t.col);
        this.permT = ints(s, t.position);
        int[] uPtr = u.rowPointers();
        int[] uCols = u.columnIndices();
        Transpose ut = Transpose.of(n, inputs, uPtr, uCols);
        this.uRowPtr = ints(s, uPtr);
        this.uCol = ints(s, uCols);
        this.utPtr = ints(s, ut.rowPtr);
        this.utRow = ints(s, ut.col);
        this.utPos = ints(s, ut.position);
        byte[] codes = new byte[n];
        for (int i = 0; i < n; i++) {
            codes[i] = NonlinearityCodes.code(c.typeNonlinearity(c.types().typeOf(i)));
        }
        this.phiCode = s.pool.allocate(n, 1);
        s.upload(phiCode, codes);
        s.sync();
        this.sign = s.pool.allocate(nnz, 8);
        s.upload(sign, model.effectiveWeights().signs());
        s.sync();
        int[] gi = model.effectiveWeights().gainIndices();
        this.gainIndex = gi == null ? null : ints(s, gi);
        s.sync();
    }

    /** Uploads the structure of a model (synchronously). */
    static DeviceModel upload(CudaDevice device, ConnectomeModel model) {
        return new DeviceModel(new CudaStream(device), model);
    }

    /** An int array on the device (null for an empty one: kernels never read it). */
    private static DeviceArray ints(CudaStream s, int[] values) {
        DeviceArray a = s.pool.allocate(Math.max(1, values.length), 4);
        if (values.length > 0) {
            s.upload(a, values);
            s.sync();
        }
        return a;
    }

    /** The transpose of a CSR structure: its CSR, and the original CSR position of each of its entries. */
    static final class Transpose {
        final int[] rowPtr;
        final int[] col;
        final int[] position;

        private Transpose(int[] rowPtr, int[] col, int[] position) {
            this.rowPtr = rowPtr;
            this.col = col;
            this.position = position;
        }

        /** Entries of a column keep the order of their rows (a stable counting sort). */
        static Transpose of(int rows, int cols, int[] rowPtr, int[] colIdx) {
            int nnz = colIdx.length;
            int[] ptr = new int[cols + 1];
            for (int k = 0; k < nnz; k++) {
                ptr[colIdx[k] + 1]++;
            }
            for (int c = 0; c < cols; c++) {
                ptr[c + 1] += ptr[c];
            }
            int[] next = java.util.Arrays.copyOf(ptr, cols);
            int[] col = new int[nnz];
            int[] pos = new int[nnz];
            for (int r = 0; r < rows; r++) {
                for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                    int t = next[colIdx[k]]++;
                    col[t] = r;
                    pos[t] = k;
                }
            }
            return new Transpose(ptr, col, pos);
        }
    }
}
