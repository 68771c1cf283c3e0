package org.dl4jconnectome.model;

import org.dl4jconnectome.kernels.SparseKernels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chooses the field of an integrator: the first usable {@link ConnectomeFieldProvider} for {@link
 * ConnectomeBackend#AUTO} and {@link ConnectomeBackend#GPU}, the host otherwise. Logs each distinct decision once
 * per JVM, so that a network of many layers says once where it runs and why.
 */
final class BackendSelection {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectomeIntegrator.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private BackendSelection() {
    }

    /** The providers on the class path, in ServiceLoader order. */
    static List<ConnectomeFieldProvider> providers() {
        List<ConnectomeFieldProvider> list = new ArrayList<>();
        for (ConnectomeFieldProvider p : ServiceLoader.load(ConnectomeFieldProvider.class,
                BackendSelection.class.getClassLoader())) {
            list.add(p);
        }
        return list;
    }

    static ConnectomeField<?> field(ConnectomeModel model, SparseKernels kernels, ConnectomeBackend requested,
                                    List<ConnectomeFieldProvider> providers) {
        if (requested == ConnectomeBackend.CPU) {
            ConnectomeField<?> host = HostConnectomeField.of(model, kernels);
            log(host.backendName() + ", as requested (" + ConnectomeBackend.PROPERTY + "=cpu or a setting)");
            return host;
        }
        List<String> reasons = new ArrayList<>();
        for (ConnectomeFieldProvider p : providers) {
            String reason = p.unavailableReason();
            if (reason == null) {
                ConnectomeField<?> f = p.create(model);
                log(p.name() + " on " + p.deviceDescription() + (requested == ConnectomeBackend.GPU
                        ? ", as requested" : ": a usable device was found (" + ConnectomeBackend.PROPERTY
                        + "=cpu selects the CPU)"));
                return f;
            }
            reasons.add(p.name() + ": " + reason);
        }
        String why = providers.isEmpty() ? "no GPU backend on the class path (add dl4j-connectome-cuda)"
                : String.join("; ", reasons);
        if (requested == ConnectomeBackend.GPU) {
            throw new IllegalStateException("the GPU backend was requested but cannot run: " + why);
        }
        ConnectomeField<?> host = HostConnectomeField.of(model, kernels);
        log(host.backendName() + ": " + why);
        return host;
    }

    private static void log(String decision) {
        if (LOGGED.add(decision)) {
            LOG.info("connectome backend: {}", decision);
        }
    }
}
