package org.dl4jconnectome.cuda;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The CUDA driver stand-in of the tests (src/test/cuda): connectome.cu's kernels compiled with g++ against cuda.h,
 * run on the CPU, behind the driver API functions the backend binds. Built once per build into
 * target/cuda-emulator; the backend then loads it as its driver through {@value CudaDevice#LIBRARY_PROPERTY}.
 */
final class Emulator {
    private static final String CUDA_INCLUDE = "/usr/local/cuda/include";
    private static Path library;
    private static String buildFailure;

    private Emulator() {
    }

    /** The emulator library, built if needed; skips the calling test where g++ or cuda.h is missing. */
    static synchronized Path library() {
        if (library == null && buildFailure == null) {
            try {
                library = build();
            } catch (IOException | InterruptedException e) {
                buildFailure = e.getMessage();
            }
        }
        Assumptions.assumeTrue(buildFailure == null, () -> "the CUDA emulator cannot be built here: " + buildFailure);
        return library;
    }

    /** Makes the backend use the emulator as its driver (device 0); returns the previous library setting. */
    static String use() {
        String previous = System.getProperty(CudaDevice.LIBRARY_PROPERTY);
        System.setProperty(CudaDevice.LIBRARY_PROPERTY, library().toString());
        return previous;
    }

    static void restore(String previous) {
        if (previous == null) {
            System.clearProperty(CudaDevice.LIBRARY_PROPERTY);
        } else {
            System.setProperty(CudaDevice.LIBRARY_PROPERTY, previous);
        }
    }

    /** The emulated device (opened once per JVM). */
    static CudaDevice device() {
        Object d = CudaDevice.open(library().toString(), 0);
        if (!(d instanceof CudaDevice)) {
            throw new AssertionError("the emulated device does not open: " + d);
        }
        return (CudaDevice) d;
    }

    /** The emulator's test controls. */
    static final class Controls {
        static {
            Native.register(Controls.class, NativeLibrary.getInstance(library().toString()));
        }

        private Controls() {
        }

        static native String emu_last_error();

        static native void emu_set_device_count(int count);

        static native void emu_set_init_result(int result);

        static native void emu_set_memory_limit(long bytes);

        static native long emu_launches();

        static native long emu_device_bytes();
    }

    private static Path build() throws IOException, InterruptedException {
        Path source = Paths.get(System.getProperty("cuda.source.dir", "src/main/cuda"));
        Path emulatorSource = Paths.get(System.getProperty("cuda.emulator.source.dir", "src/test/cuda"));
        Path dir = Paths.get(System.getProperty("cuda.emulator.dir", "target/cuda-emulator"));
        if (!Files.exists(Paths.get(CUDA_INCLUDE, "cuda.h"))) {
            throw new IOException(CUDA_INCLUDE + "/cuda.h not found (the CUDA toolkit's headers)");
        }
        Files.createDirectories(dir);
        Path out = dir.resolve("libcuda-emulator.so");
        Path kernels = source.resolve("connectome.cu");
        List<Path> inputs = List.of(kernels, emulatorSource.resolve("emulator.h"),
                emulatorSource.resolve("driver_emulator.cpp"));
        if (Files.exists(out) && upToDate(out, inputs)) {
            return out.toAbsolutePath();
        }
        Path kernelObject = dir.resolve("kernels.o");
        Path driverObject = dir.resolve("driver.o");
        List<String> kernelBuild = new ArrayList<>(List.of("g++", "-std=c++17", "-O2", "-fPIC", "-Wall",
                "-Wno-unknown-pragmas", "-I" + CUDA_INCLUDE, "-I" + emulatorSource, "-include",
                emulatorSource.resolve("emulator.h").toString()));
        if (hostHasFma()) {
            // nvcc contracts a * b + c into fused multiply-adds by default: so does the emulator where it can.
            kernelBuild.addAll(List.of("-mfma", "-ffp-contract=fast"));
        }
        kernelBuild.addAll(List.of("-x", "c++", "-c", kernels.toString(), "-o", kernelObject.toString()));
        run(kernelBuild, dir);
        run(List.of("g++", "-std=c++17", "-O2", "-fPIC", "-Wall", "-I" + CUDA_INCLUDE, "-I" + emulatorSource, "-c",
                emulatorSource.resolve("driver_emulator.cpp").toString(), "-o", driverObject.toString()), dir);
        run(List.of("g++", "-shared", kernelObject.toString(), driverObject.toString(), "-o", out.toString()), dir);
        return out.toAbsolutePath();
    }

    private static boolean hostHasFma() throws IOException {
        Path cpuinfo = Paths.get("/proc/cpuinfo");
        return Files.exists(cpuinfo) && java.util.regex.Pattern.compile("\\bfma\\b").matcher(Files.readString(cpuinfo))
                .find();
    }

    private static boolean upToDate(Path out, List<Path> inputs) throws IOException {
        long built = Files.getLastModifiedTime(out).toMillis();
        for (Path p : inputs) {
            if (Files.getLastModifiedTime(p).toMillis() > built) {
                return false;
            }
        }
        return true;
    }

    private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(command);
        Process p = new ProcessBuilder(c).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", c) + " failed:\n" + output);
        }
    }
}
