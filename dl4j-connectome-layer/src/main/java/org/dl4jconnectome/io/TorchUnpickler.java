package org.dl4jconnectome.io;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Unpickles the {@code data.pkl} of a {@code torch.save} archive into {@link TensorRef} / {@link SparseRef} objects
 * that point at the archive's storage entries.
 * <p>
 * Globals are resolved from a fixed allow-list held by this instance (the pickle library's registry is global and
 * would turn unknown classes into dictionaries); anything else, like code to run, is refused.
 */
final class TorchUnpickler extends Unpickler {
    private static final short INST = 'i';
    /** Opcodes followed by a little-endian length field, and that field's width in bytes. */
    private static final Map<Short, Integer> LENGTH_FIELDS = Map.of(Opcodes.BINSTRING, 4, Opcodes.BINBYTES, 4,
            Opcodes.BINUNICODE, 4, Opcodes.LONG4, 4, Opcodes.BINUNICODE8, 8, Opcodes.BINBYTES8, 8,
            Opcodes.BYTEARRAY8, 8);
    private static final Set<String> LAYOUTS = Set.of("strided", "sparse_coo", "sparse_csr", "sparse_csc",
            "sparse_bsr", "sparse_bsc");
    private static final Map<String, StorageType> STORAGES = Map.of(
            "DoubleStorage", new StorageType("DoubleStorage", NpyDtype.FLOAT64, false),
            "FloatStorage", new StorageType("FloatStorage", NpyDtype.FLOAT32, false),
            "HalfStorage", new StorageType("HalfStorage", NpyDtype.FLOAT16, false),
            "BFloat16Storage", new StorageType("BFloat16Storage", NpyDtype.FLOAT32, true),
            "LongStorage", new StorageType("LongStorage", NpyDtype.INT64, false),
            "IntStorage", new StorageType("IntStorage", NpyDtype.INT32, false),
            "ShortStorage", new StorageType("ShortStorage", NpyDtype.INT16, false),
            "CharStorage", new StorageType("CharStorage", NpyDtype.INT8, false),
            "ByteStorage", new StorageType("ByteStorage", NpyDtype.UINT8, false),
            "BoolStorage", new StorageType("BoolStorage", NpyDtype.BOOL, false));

    /** A torch storage class such as {@code torch.FloatStorage}. */
    static final class StorageType {
        final String name;
        /** Element type once read; bfloat16 storages are widened to float32. */
        final NpyDtype dtype;
        final boolean bfloat16;

        StorageType(String name, NpyDtype dtype, boolean bfloat16) {
            this.name = name;
            this.dtype = dtype;
            this.bfloat16 = bfloat16;
        }

        /** Bytes per element in the archive. */
        int storedItemSize() {
            return bfloat16 ? 2 : dtype.itemSize;
        }
    }

    /** A storage record: the archive entry {@code data/<key>} holding {@code numel} elements. */
    static final class StorageRef {
        final StorageType type;
        final String key;
        final long numel;

        StorageRef(StorageType type, String key, long numel) {
            this.type = type;
            this.key = key;
            this.numel = numel;
        }
    }

    /** A dense tensor: a view (offset, size, stride, in elements) of a storage. */
    static final class TensorRef {
        final StorageRef storage;
        final long offset;
        final long[] size;
        final long[] stride;

        TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
            this.storage = storage;
            this.offset = offset;
            this.size = size;
            this.stride = stride;
        }
    }

    /** A sparse tensor: its layout name and the tensors and size it is rebuilt from. */
    static final class SparseRef {
        final String layout;
        final Object[] data;

        SparseRef(String layout, Object[] data) {
            this.layout = layout;
            this.data = data;
        }
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        if (key == Opcodes.GLOBAL) {
            String module = PickleUtils.readline(input);
            String name = PickleUtils.readline(input);
            stack.add(resolve(module, name));
            return NO_RETURN_VALUE;
        }
        if (key == Opcodes.STACK_GLOBAL) {
            Object name = stack.pop();
            Object module = stack.pop();
            stack.add(resolve(String.valueOf(module), String.valueOf(name)));
            return NO_RETURN_VALUE;
        }
        if (key == INST) {
            // INST looks classes up in the library's global registry; torch.save never emits it.
            throw new PickleException("the pickle opcode INST is not supported");
        }
        Integer lengthBytes = LENGTH_FIELDS.get(key);
        if (lengthBytes != null) {
            checkDeclaredLength(key, lengthBytes);
        }
        return super.dispatch(key);
    }

    /**
     * Refuses an opcode whose length field exceeds the bytes left in the pickle: the pickle library allocates the
     * declared length before reading, so a few hostile bytes could otherwise ask for gigabytes.
     */
    private void checkDeclaredLength(short key, int width) throws IOException {
        if (!input.markSupported()) {
            return;
        }
        input.mark(width);
        byte[] field = input.readNBytes(width);
        input.reset();
        if (field.length < width) {
            return;
        }
        long length = 0;
        for (int i = width - 1; i >= 0; i--) {
            length = (length << 8) | (field[i] & 0xFF);
        }
        if (key == Opcodes.BINSTRING || key == Opcodes.LONG4) {
            length = (int) length;
        }
        long remaining = input.available() - (long) width;
        if (length < 0 || length > remaining) {
            throw new PickleException("pickle opcode 0x" + Integer.toHexString(key) + " declares "
                    + Long.toUnsignedString(length) + " bytes, but only " + remaining + " remain in the pickle");
        }
    }

    private static Object resolve(String module, String name) {
        String full = module + "." + name;
        switch (full) {
            case "torch._utils._rebuild_tensor_v2":
                return (IObjectConstructor) TorchUnpickler::rebuildTensor;
            case "torch._utils._rebuild_parameter":
                return (IObjectConstructor) args -> arg(args, 0, Object.class, "_rebuild_parameter");
            case "torch._utils._rebuild_sparse_tensor":
                return (IObjectConstructor) args -> new SparseRef(
                        arg(args, 0, String.class, "_rebuild_sparse_tensor layout"),
                        arg(args, 1, Object[].class, "_rebuild_sparse_tensor data"));
            case "torch.serialization._get_layout":
                return (IObjectConstructor) args -> arg(args, 0, String.class, "_get_layout");
            case "torch.Size":
                return (IObjectConstructor) args -> args.length == 0 ? new Object[0]
                        : arg(args, 0, Object[].class, "torch.Size");
            case "collections.OrderedDict":
                return (IObjectConstructor) args -> new LinkedHashMap<>();
            default:
                break;
        }
        if (module.equals("torch") && LAYOUTS.contains(name)) {
            return full;
        }
        if (module.equals("torch") && STORAGES.containsKey(name)) {
            return STORAGES.get(name);
        }
        throw new PickleException("unsupported global " + full + ": only plain dense and sparse COO tensors of "
                + "bool, integer and float types can be read");
    }

    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[]) || ((Object[]) pid).length != 5 || !"storage".equals(((Object[]) pid)[0])) {
            throw new PickleException("unexpected persistent id " + describe(pid)
                    + ": expected ('storage', storage type, key, location, numel)");
        }
        Object[] t = (Object[]) pid;
        if (!(t[1] instanceof StorageType)) {
            throw new PickleException("unsupported storage type " + describe(t[1]));
        }
        return new StorageRef((StorageType) t[1], arg(t, 2, String.class, "storage key"),
                arg(t, 4, Number.class, "storage numel").longValue());
    }

    private static TensorRef rebuildTensor(Object[] args) {
        if (args.length < 4) {
            throw new PickleException("_rebuild_tensor_v2 got " + args.length + " arguments, expected at least 4");
        }
        return new TensorRef(arg(args, 0, StorageRef.class, "tensor storage"),
                arg(args, 1, Number.class, "tensor storage offset").longValue(),
                longs(arg(args, 2, Object[].class, "tensor size"), "tensor size"),
                longs(arg(args, 3, Object[].class, "tensor stride"), "tensor stride"));
    }

    static long[] longs(Object[] tuple, String what) {
        long[] out = new long[tuple.length];
        for (int i = 0; i < tuple.length; i++) {
            if (!(tuple[i] instanceof Integer || tuple[i] instanceof Long)) {
                throw new PickleException(what + "[" + i + "] is " + describe(tuple[i]) + ", expected an integer");
            }
            out[i] = ((Number) tuple[i]).longValue();
        }
        return out;
    }

    static <T> T arg(Object[] args, int i, Class<T> type, String what) {
        if (i >= args.length || !type.isInstance(args[i])) {
            throw new PickleException(what + " is " + (i >= args.length ? "missing" : describe(args[i]))
                    + ", expected " + type.getSimpleName());
        }
        return type.cast(args[i]);
    }

    static String describe(Object o) {
        if (o instanceof Object[]) {
            return "a tuple of " + ((Object[]) o).length;
        }
        return o == null ? "None" : o.getClass().getSimpleName() + " " + o;
    }
}
