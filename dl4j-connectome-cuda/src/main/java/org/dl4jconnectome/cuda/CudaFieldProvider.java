package org.dl4jconnectome.cuda;

import org.dl4jconnectome.model.ConnectomeField;
import org.dl4jconnectome.model.ConnectomeFieldProvider;
import org.dl4jconnectome.model.ConnectomeModel;

/**
 * The CUDA backend for {@link org.dl4jconnectome.model.ConnectomeIntegrator}, found through {@link
 * java.util.ServiceLoader} when this module is on the class path. Usable when the CUDA driver loads (system property
 * {@value CudaDevice#LIBRARY_PROPERTY}, default libcuda.so.1), sees the device {@value CudaDevice#DEVICE_PROPERTY}
 * (default 0) of compute capability 7.5 or newer, and compiles the kernels' PTX.
 */
public final class CudaFieldProvider implements ConnectomeFieldProvider {

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String unavailableReason() {
        Object d = CudaDevice.fromSystemProperties();
        return d instanceof CudaDevice ? null : (String) d;
    }

    @Override
    public String deviceDescription() {
        Object d = CudaDevice.fromSystemProperties();
        return d instanceof CudaDevice ? ((CudaDevice) d).describe() : "no device (" + d + ")";
    }

    @Override
    public ConnectomeField<?> create(ConnectomeModel model) {
        Object d = CudaDevice.fromSystemProperties();
        if (!(d instanceof CudaDevice)) {
            throw new IllegalStateException("the CUDA backend cannot run: " + d);
        }
        return new CudaConnectomeField((CudaDevice) d, model);
    }
}
