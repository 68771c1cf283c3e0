package org.dl4jconnectome.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every native of {@link CuApi} against its declaration in the toolkit's cuda.h (where installed): the symbol is the
 * one cuda.h maps the API name to (cuMemAlloc → cuMemAlloc_v2), and each parameter has the width JNA must pass
 * (64-bit for pointers, handles and size_t, 32-bit for int, unsigned int and enums).
 */
class DriverBindingTest {
    private static final Path HEADER = Path.of("/usr/local/cuda/include/cuda.h");
    private static final List<String> HANDLES = List.of("CUdeviceptr", "CUstream", "CUcontext", "CUmodule",
            "CUfunction", "CUevent", "size_t");

    @Test
    void everyNativeMatchesCudaH() throws IOException {
        Assumptions.assumeTrue(Files.exists(HEADER), HEADER + " is not installed");
        String h = Files.readString(HEADER);
        int checked = 0;
        for (Method m : CuApi.class.getDeclaredMethods()) {
            if (!Modifier.isNative(m.getModifiers())) {
                continue;
            }
            String symbol = m.getName();
            String api = symbol.endsWith("_v2") ? symbol.substring(0, symbol.length() - 3) : symbol;
            Matcher def = Pattern.compile("#define\\s+" + api + "\\s+(\\S+)").matcher(h);
            String target = def.find() ? def.group(1).replaceAll("__CUDA_API_PT[SD][ZS]\\((\\w+)\\)", "$1") : api;
            assertEquals(target, symbol, api + " is exported as " + target);
            Matcher proto = Pattern.compile("CUresult CUDAAPI " + api + "\\(([^)]*)\\);").matcher(h);
            if (!proto.find()) {
                fail("no declaration of " + api + " in cuda.h");
            }
            List<Class<?>> expected = new ArrayList<>();
            for (String param : proto.group(1).split(",")) {
                String p = param.trim().replaceAll("\\s+", " ");
                String type = p.substring(0, p.lastIndexOf(' ') < 0 ? p.length() : p.lastIndexOf(' ')).trim();
                boolean pointer = p.contains("*");
                if (pointer && type.startsWith("const char")) {
                    expected.add(String.class);
                } else if (pointer || HANDLES.contains(type)) {
                    expected.add(long.class);
                } else {
                    expected.add(int.class);
                }
            }
            // cuModuleGetFunction's name is a Java String; its pointer-to-pointer parameters stay addresses.
            List<Class<?>> actual = List.of(m.getParameterTypes());
            if (symbol.equals("cuGetErrorName") || symbol.equals("cuGetErrorString")) {
                expected.set(1, long.class);
            }
            assertEquals(expected, actual, symbol + "(" + proto.group(1) + ")");
            assertEquals(int.class, m.getReturnType(), symbol + " returns CUresult");
            checked++;
        }
        assertEquals(31, checked, "natives checked");
    }
}
