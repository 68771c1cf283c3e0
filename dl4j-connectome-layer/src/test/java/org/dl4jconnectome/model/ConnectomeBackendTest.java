package org.dl4jconnectome.model;

import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.testutil.WorkedExample;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The backend choice of an integrator when no GPU backend is on the class path (this module's own tests). */
class ConnectomeBackendTest {

    private static ConnectomeModel model() {
        return ConnectomeModel.of(WorkedExample.connectome(), WorkedExample.inputProjection(), false, false, false);
    }

    @Test
    void valuesAreParsedInAnyCaseAndAnythingElseIsNamed() {
        assertEquals(ConnectomeBackend.AUTO, ConnectomeBackend.parse(null, "x"));
        assertEquals(ConnectomeBackend.GPU, ConnectomeBackend.parse(" GPU ", "x"));
        assertEquals(ConnectomeBackend.CPU, ConnectomeBackend.parse("cpu", "x"));
        assertEquals("setting backend = 'cuda': expected auto, cpu or gpu", assertThrows(
                IllegalArgumentException.class, () -> ConnectomeBackend.parse("cuda", "setting backend")).getMessage());
    }

    @Test
    void withoutAGpuBackendAutoRunsOnTheCpuAndGpuIsAClearError() {
        assertEquals("cpu (scalar kernels)", new ConnectomeIntegrator(model(), SparseKernels.scalar(),
                ConnectomeBackend.AUTO).backendName());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ConnectomeIntegrator(model(), SparseKernels.scalar(), ConnectomeBackend.GPU));
        assertEquals("the GPU backend was requested but cannot run: no GPU backend on the class path (add "
                + "dl4j-connectome-cuda)", e.getMessage());
    }
}
