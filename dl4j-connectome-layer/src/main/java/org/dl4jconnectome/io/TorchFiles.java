package org.dl4jconnectome.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipEntry;
import net.razorvine.pickle.PickleException;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.io.TorchUnpickler.SparseRef;
import org.dl4jconnectome.io.TorchUnpickler.StorageRef;
import org.dl4jconnectome.io.TorchUnpickler.TensorRef;

/**
 * Reads single tensors from PyTorch {@code .pt} files written by {@code torch.save} (the zip format, PyTorch 1.6 and
 * later): a zip holding {@code <archive>/data.pkl}, a pickle that describes the tensor, and one
 * {@code <archive>/data/<key>} entry per storage.
 * <p>
 * Supported: one dense tensor (any strides and storage offset) or one 2-D sparse COO tensor, with bool, int8,
 * uint8, int16, int32, int64, float16, bfloat16 (widened to float32), float32 or float64 elements, little-endian.
 * Not supported, and reported as an IOException: the legacy non-zip format, big-endian files, containers (dicts,
 * lists, state dicts), other sparse layouts, complex types and any other pickled class. Nothing in the file is
 * executed.
 */
public final class TorchFiles {
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    private static final int PICKLE_PROTO = 0x80;

    private TorchFiles() {
    }

    /**
     * Reads a 2-D sparse COO tensor ({@code torch.sparse_coo_tensor}) as an immutable CSR matrix: rows are the first
     * index, as in {@code y = A·v}. Uncoalesced duplicates are summed, as {@code coalesce()} would.
     *
     * @throws IOException naming the file if it cannot be read, is not a {@code torch.save} zip archive, does not hold
     *                     a single 2-D sparse COO tensor with scalar values, or is truncated or corrupt
     */
    public static CsrMatrix readSparse(Path file) throws IOException {
        try (Archive a = Archive.open(file)) {
            Object root = a.unpickle();
            if (!(root instanceof SparseRef)) {
                throw new IOException(file + ": holds " + kind(root) + ", expected a sparse COO tensor"
                        + (root instanceof TensorRef ? " (use readDense for dense tensors)" : ""));
            }
            SparseRef sparse = (SparseRef) root;
            if (!"torch.sparse_coo".equals(sparse.layout)) {
                throw new IOException(file + ": sparse layout " + sparse.layout
                        + " is not supported: expected torch.sparse_coo (convert with .to_sparse_coo())");
            }
            Object[] data = sparse.data;
            NpyArray indices;
            NpyArray values;
            long[] size;
            try {
                indices = a.materialize(TorchUnpickler.arg(data, 0, TensorRef.class, "sparse indices"));
                values = a.materialize(TorchUnpickler.arg(data, 1, TensorRef.class, "sparse values"));
                size = TorchUnpickler.longs(TorchUnpickler.arg(data, 2, Object[].class, "sparse size"), "size");
            } catch (PickleException e) {
                throw new IOException(file + ": malformed sparse tensor: " + e.getMessage(), e);
            }
            long[] is = indices.shape();
            long nnz = is.length == 2 ? is[1] : -1;
            if (size.length != 2 || is.length != 2 || is[0] != 2) {
                throw new IOException(file + ": sparse tensor has size " + Arrays.toString(size) + " and indices of "
                        + "shape " + Arrays.toString(is) + ": expected a 2-D tensor with indices of shape (2, nnz)");
            }
            if (values.ndim() != 1 || values.shape()[0] != nnz) {
                throw new IOException(file + ": sparse values have shape " + Arrays.toString(values.shape())
                        + ": expected (" + nnz + ",) (hybrid sparse tensors are not supported)");
            }
            try {
                CsrMatrix.requireBuildable(size[0], size[1], nnz);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": sparse size " + Arrays.toString(size) + " with " + nnz
                        + (nnz == 1 ? " stored entry: " : " stored entries: ") + e.getMessage(), e);
            }
            try {
                int[] flat = indices.toIntArray();
                int n = (int) nnz;
                return CsrMatrix.fromCoo((int) size[0], (int) size[1], Arrays.copyOfRange(flat, 0, n),
                        Arrays.copyOfRange(flat, n, 2 * n), values.toDoubleArray());
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": invalid sparse tensor: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Reads a dense tensor (e.g. a 1-D int64 index tensor) as an array in C order with the tensor's shape. The dtype
     * is the storage's: {@code <i8} for torch.int64, {@code <f4} for torch.float32 (and bfloat16), and so on.
     *
     * @throws IOException naming the file if it cannot be read, is not a {@code torch.save} zip archive, does not hold
     *                     a single dense tensor, or is truncated or corrupt
     */
    public static NpyArray readDense(Path file) throws IOException {
        try (Archive a = Archive.open(file)) {
            Object root = a.unpickle();
            if (!(root instanceof TensorRef)) {
                throw new IOException(file + ": holds " + kind(root) + ", expected a dense tensor"
                        + (root instanceof SparseRef ? " (use readSparse for sparse tensors)" : ""));
            }
            return a.materialize((TensorRef) root);
        }
    }

    private static String kind(Object root) {
        if (root instanceof TensorRef) {
            return "a dense tensor";
        }
        if (root instanceof SparseRef) {
            return "a sparse tensor";
        }
        if (root instanceof Map) {
            return "a dict";
        }
        if (root instanceof Object[] || root instanceof java.util.List) {
            return "a tuple or list";
        }
        return root == null ? "None" : "a " + root.getClass().getSimpleName();
    }

    /** An open archive: locates data.pkl and reads storages (each at most once). */
    private static final class Archive implements AutoCloseable {
        private final Path file;
        private final ZipArchive zip;
        private final String prefix;
        private final ZipEntry pickle;
        private final Map<String, byte[]> storages = new HashMap<>();

        private Archive(Path file, ZipArchive zip, String prefix, ZipEntry pickle) {
            this.file = file;
            this.zip = zip;
            this.prefix = prefix;
            this.pickle = pickle;
        }

        static Archive open(Path file) throws IOException {
            Objects.requireNonNull(file, "file");
            checkMagic(file);
            ZipArchive zip = ZipArchive.open(file);
            try {
                ZipEntry pickle = null;
                for (ZipEntry e : zip.entries()) {
                    String n = e.getName();
                    int slash = n.indexOf('/');
                    if (slash >= 0 && slash == n.lastIndexOf('/') && n.endsWith("/data.pkl")) {
                        pickle = e;
                        break;
                    }
                }
                if (pickle == null) {
                    throw new IOException(file + ": no <archive>/data.pkl entry: not a torch.save archive "
                            + "(TorchScript and other zip files are not supported)");
                }
                String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
                ZipEntry order = zip.entry(prefix + "byteorder");
                if (order != null) {
                    String value = new String(zip.readBytes(order), StandardCharsets.US_ASCII).strip();
                    if (!value.equals("little")) {
                        throw new IOException(file + ": byte order '" + value
                                + "' is not supported: expected a little-endian file");
                    }
                }
                return new Archive(file, zip, prefix, pickle);
            } catch (IOException | RuntimeException e) {
                zip.close();
                throw e;
            }
        }

        private static void checkMagic(Path file) throws IOException {
            byte[] head;
            try (InputStream in = Files.newInputStream(file)) {
                head = in.readNBytes(ZIP_MAGIC.length);
            }
            if (Arrays.equals(head, ZIP_MAGIC)) {
                return;
            }
            if (head.length > 0 && (head[0] & 0xFF) == PICKLE_PROTO) {
                throw new IOException(file + ": legacy (pre-1.6, non-zip) torch.save format is not supported: "
                        + "re-save it with a current torch.save");
            }
            throw new IOException(file + ": not a torch.save file (no zip signature at the start"
                    + (head.length < ZIP_MAGIC.length ? "; the file is empty or truncated" : "") + ")");
        }

        Object unpickle() throws IOException {
            byte[] bytes = zip.readBytes(pickle);
            try {
                return new TorchUnpickler().loads(bytes);
            } catch (IOException | RuntimeException e) {
                // The pickle library signals malformed input with assorted unchecked exceptions (casts, empty stack).
                throw new IOException(zip.describe(pickle) + ": cannot unpickle the tensor description: "
                        + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
            }
        }

        NpyArray materialize(TensorRef t) throws IOException {
            StorageRef s = t.storage;
            int item = s.type.storedItemSize();
            byte[] raw = storage(s);
            int nd = t.size.length;
            if (t.stride.length != nd) {
                throw new IOException(file + ": tensor size " + Arrays.toString(t.size) + " and stride "
                        + Arrays.toString(t.stride) + " differ in length");
            }
            long count = 1;
            long last = t.offset;
            try {
                for (int k = 0; k < nd; k++) {
                    if (t.size[k] < 0 || t.stride[k] < 0) {
                        throw new IOException(file + ": tensor size " + Arrays.toString(t.size) + " or stride "
                                + Arrays.toString(t.stride) + " is negative");
                    }
                    count = Math.multiplyExact(count, t.size[k]);
                    last = Math.addExact(last, Math.multiplyExact(Math.max(t.size[k] - 1, 0), t.stride[k]));
                }
            } catch (ArithmeticException e) {
                throw new IOException(file + ": tensor size " + Arrays.toString(t.size) + " and stride "
                        + Arrays.toString(t.stride) + " overflow", e);
            }
            if (count > NpyArray.MAX_BYTES / s.type.dtype.itemSize) {
                throw new IOException(file + ": tensor of size " + Arrays.toString(t.size) + " is too large");
            }
            // A view may repeat storage elements (stride 0), so its size is declared rather than present.
            long bytes = count * s.type.dtype.itemSize;
            if (bytes > Runtime.getRuntime().maxMemory()) {
                throw new IOException(String.format(Locale.ROOT, "%s: tensor of size %s needs %.1f GB, more than "
                        + "the whole Java heap (%.1f GB; java -Xmx sets it)", file, Arrays.toString(t.size),
                        bytes / 1e9, Runtime.getRuntime().maxMemory() / 1e9));
            }
            if (count > 0 && (t.offset < 0 || last >= s.numel)) {
                throw new IOException(file + ": tensor view (offset " + t.offset + ", size "
                        + Arrays.toString(t.size) + ", stride " + Arrays.toString(t.stride)
                        + ") reaches outside its storage of " + s.numel + " elements");
            }
            byte[] out = new byte[(int) count * item];
            if (isContiguous(t.size, t.stride)) {
                if (count > 0) {
                    System.arraycopy(raw, (int) (t.offset * item), out, 0, out.length);
                }
            } else {
                gather(raw, t, item, out, (int) count);
            }
            if (s.type.bfloat16) {
                out = bfloat16ToFloat32(out);
            }
            return new NpyArray(s.type.dtype, t.size, out);
        }

        private byte[] storage(StorageRef s) throws IOException {
            byte[] raw = storages.get(s.key);
            if (raw != null) {
                return raw;
            }
            ZipEntry entry = zip.entry(prefix + "data/" + s.key);
            if (entry == null) {
                throw new IOException(file + ": missing storage entry " + prefix + "data/" + s.key);
            }
            if (s.numel < 0 || s.numel > NpyArray.MAX_BYTES / s.type.storedItemSize()) {
                throw new IOException(zip.describe(entry) + ": storage of " + s.numel + " elements is not supported");
            }
            long need = s.numel * s.type.storedItemSize();
            raw = zip.readBytes(entry);
            if (raw.length < need) {
                throw new IOException(zip.describe(entry) + ": storage has " + raw.length + " bytes, but "
                        + s.numel + " " + s.type.name + " elements need " + need);
            }
            storages.put(s.key, raw);
            return raw;
        }

        @Override
        public void close() throws IOException {
            zip.close();
        }
    }

    /** Whether a view with these sizes and strides is a C-ordered block (dimensions of length 1 may have any stride). */
    private static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int k = size.length - 1; k >= 0; k--) {
            if (size[k] != 1 && stride[k] != expected) {
                return false;
            }
            expected *= size[k];
        }
        return true;
    }

    /** Copies the elements of a strided view into C order. */
    private static void gather(byte[] raw, TensorRef t, int item, byte[] out, int count) {
        int nd = t.size.length;
        long[] idx = new long[nd];
        long src = t.offset;
        for (int c = 0; c < count; c++) {
            System.arraycopy(raw, (int) (src * item), out, c * item, item);
            for (int k = nd - 1; k >= 0; k--) {
                idx[k]++;
                src += t.stride[k];
                if (idx[k] < t.size[k]) {
                    break;
                }
                src -= idx[k] * t.stride[k];
                idx[k] = 0;
            }
        }
    }

    /** bfloat16 is the upper half of a float32, so widening just appends two zero bytes (little-endian: prepends). */
    private static byte[] bfloat16ToFloat32(byte[] bf) {
        byte[] out = new byte[bf.length * 2];
        for (int i = 0; i < bf.length / 2; i++) {
            out[4 * i + 2] = bf[2 * i];
            out[4 * i + 3] = bf[2 * i + 1];
        }
        return out;
    }
}
