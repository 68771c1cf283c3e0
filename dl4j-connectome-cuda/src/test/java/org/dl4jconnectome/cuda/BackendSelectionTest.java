package org.dl4jconnectome.cuda;

import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.model.ConnectomeBackend;
import org.dl4jconnectome.model.ConnectomeIntegrator;
import org.dl4jconnectome.model.ConnectomeModel;
import org.dl4jconnectome.model.ConnectomeSimulator;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the solves run: on the GPU when the driver and a device are found, on the CPU otherwise, with the reason in
 * the log line and in the error of an explicit GPU request; the property and the setting override the choice.
 */
class BackendSelectionTest {
    private String library;
    private String device;
    private String backend;

    @BeforeEach
    void remember() {
        library = System.getProperty(CudaDevice.LIBRARY_PROPERTY);
        device = System.getProperty(CudaDevice.DEVICE_PROPERTY);
        backend = System.getProperty(ConnectomeBackend.PROPERTY);
    }

    @AfterEach
    void restore() {
        set(CudaDevice.LIBRARY_PROPERTY, library);
        set(CudaDevice.DEVICE_PROPERTY, device);
        set(ConnectomeBackend.PROPERTY, backend);
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static ConnectomeModel model() {
        return ConnectomeModel.of(WorkedExample.connectome(), WorkedExample.inputProjection(), false, false, false);
    }

    /** Runs body, returning what it wrote to System.err (where slf4j-simple logs). */
    private static String stderrOf(Runnable body) {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutADriverEverythingRunsOnTheCpuAndTheLogSaysWhy() {
        String missing = "/nonexistent/dir-" + System.nanoTime() + "/libcuda.so.1";
        System.setProperty(CudaDevice.LIBRARY_PROPERTY, missing);
        String[] name = new String[1];
        String log = stderrOf(() -> name[0] = new ConnectomeIntegrator(model(), SparseKernels.scalar(),
                ConnectomeBackend.AUTO).backendName());
        assertEquals("cpu (scalar kernels)", name[0]);
        String line = log.lines().filter(l -> l.contains("connectome backend:")).findFirst().orElse("");
        assertTrue(line.contains("connectome backend: cpu (scalar kernels): cuda: no CUDA driver: " + missing
                + " cannot be loaded"), log);
        assertEquals(1, log.lines().filter(l -> l.contains("connectome backend:")).count(), "one log line");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ConnectomeIntegrator(model(), SparseKernels.scalar(), ConnectomeBackend.GPU));
        assertTrue(e.getMessage().startsWith("the GPU backend was requested but cannot run: cuda: no CUDA driver: "
                + missing + " cannot be loaded"), e.getMessage());
        // The simulator follows the system property.
        System.setProperty(ConnectomeBackend.PROPERTY, "GPU");
        ConnectomeSimulator.Builder b = ConnectomeSimulator.builder().connectome(WorkedExample.connectome())
                .inputProjection(WorkedExample.inputProjection());
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> b.build().simulate(
                new double[6], 2, 1, 0, 1, 3, org.dl4jconnectome.ode.SolverSpec.adaptive(), null));
        assertTrue(s.getMessage().contains("no CUDA driver"), s.getMessage());
    }

    @Test
    void aUsableDeviceIsChosenAutomaticallyUnlessTheCpuIsRequested() {
        System.setProperty(CudaDevice.LIBRARY_PROPERTY, Emulator.library().toString());
        assertEquals("cuda (CUDA emulator 0)", new ConnectomeIntegrator(model(), SparseKernels.scalar(),
                ConnectomeBackend.AUTO).backendName());
        System.setProperty(ConnectomeBackend.PROPERTY, "cpu");
        assertEquals("cpu (scalar kernels)", new ConnectomeIntegrator(model(), SparseKernels.scalar()).backendName());
        System.setProperty(ConnectomeBackend.PROPERTY, "cuda");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConnectomeIntegrator(model(), SparseKernels.scalar()));
        assertEquals("system property dl4jconnectome.backend = 'cuda': expected auto, cpu or gpu", e.getMessage());
    }

    @Test
    void deviceNumbersAreChecked() {
        System.setProperty(CudaDevice.LIBRARY_PROPERTY, Emulator.library().toString());
        CudaFieldProvider p = new CudaFieldProvider();
        System.setProperty(CudaDevice.DEVICE_PROPERTY, "first");
        assertEquals("system property dl4jconnectome.cuda.device = 'first': expected a device number 0, 1, ...",
                p.unavailableReason());
        System.setProperty(CudaDevice.DEVICE_PROPERTY, "1");
        assertEquals("dl4jconnectome.cuda.device = 1 but the CUDA driver sees 1 device", p.unavailableReason());
        System.setProperty(CudaDevice.DEVICE_PROPERTY, "0");
        assertEquals(null, p.unavailableReason());
        assertTrue(p.deviceDescription().startsWith("CUDA emulator 0 (device 0, compute 9.0, 4 SMs, 8.6 GB, "
                + "driver CUDA 13.0, PTX compute_90)"), p.deviceDescription());
    }

    @Test
    void aDriverWithoutDevicesOrThatFailsToStartIsAReason() throws Exception {
        String lib = Emulator.library().toString();
        try {
            Emulator.Controls.emu_set_device_count(0);
            assertEquals("the CUDA driver sees no device", reason(lib));
            Emulator.Controls.emu_set_device_count(1);
            Emulator.Controls.emu_set_init_result(100);
            assertEquals("the CUDA driver does not start: cuInit returned CUDA_ERROR_NO_DEVICE (100): emulated error",
                    reason(lib).replaceAll(": [^:]*$", ": emulated error"));
        } finally {
            Emulator.Controls.emu_set_device_count(1);
            Emulator.Controls.emu_set_init_result(0);
        }
    }

    private static String reason(String lib) {
        return assertThrows(CudaDevice.Unavailable.class, () -> CudaDevice.tryOpen(lib, 0)).getMessage();
    }

    @Test
    void outOfDeviceMemoryNamesTheSizeAndWhatToChange() {
        CudaStream s = new CudaStream(Emulator.device());
        CudaException e = assertThrows(CudaException.class, () -> s.pool.allocate(1L << 40, 8));
        assertTrue(e.getMessage().startsWith("cuMemAlloc of 8796093.0 MB on CUDA emulator 0 failed: "
                + "CUDA_ERROR_OUT_OF_MEMORY (2)"), e.getMessage());
        assertTrue(e.getMessage().endsWith("use a smaller batch, fewer steps on the tape "
                + "(SolverSpec.withCheckpointEvery), or the CPU (-Ddl4jconnectome.backend=cpu)"), e.getMessage());
    }
}
