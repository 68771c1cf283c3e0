package org.dl4jconnectome.kernels;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batched sparse products on a {@link BlockedCsr}. Dense operands are laid out batch-innermost: element (i, b) of
 * an n×B operand is at {@code i * B + b}, so that one stored entry serves all B samples. Value arrays are in the
 * structure's storage order. Implementations are stateless and thread-safe; each call spreads its work over
 * {@link Parallel}.
 */
public interface SparseKernels {

    /** A short name for logs and benchmarks. */
    String name();

    /** The nonlinearities of the same kind (SIMD or scalar): one provider serves a solve's products and activations. */
    ActivationKernels activations();

    /** y = A·x, where x is cols×B and y rows×B (overwritten). */
    void multiply(BlockedCsr a, float[] values, float[] x, float[] y, int batch);

    /** y = A·x in double precision. */
    void multiply(BlockedCsr a, double[] values, double[] x, double[] y, int batch);

    /**
     * The gradient of a product with respect to its stored values: acc[s] += Σ_b g[row(s), b] · x[col(s), b], for
     * g rows×B and x cols×B.
     */
    default void accumulateOuter(BlockedCsr a, float[] g, float[] x, double[] acc, int batch) {
        accumulateOuter(a, g, x, acc, batch, batch);
    }

    /** {@link #accumulateOuter(BlockedCsr, float[], float[], double[], int)} in double precision. */
    default void accumulateOuter(BlockedCsr a, double[] g, double[] x, double[] acc, int batch) {
        accumulateOuter(a, g, x, acc, batch, batch);
    }

    /**
     * acc[s] += Σ_{j &lt; width} g[row(s)·stride + j] · x[col(s)·stride + j]: the outer-product gradient over the first
     * {@code width} of {@code stride} values per row, e.g. several stages' batches side by side.
     */
    void accumulateOuter(BlockedCsr a, float[] g, float[] x, double[] acc, int stride, int width);

    /** {@link #accumulateOuter(BlockedCsr, float[], float[], double[], int, int)} in double precision. */
    void accumulateOuter(BlockedCsr a, double[] g, double[] x, double[] acc, int stride, int width);

    /**
     * The fastest implementation available in this JVM: the Vector API kernels when the module
     * {@code jdk.incubator.vector} is present (run with {@code --add-modules jdk.incubator.vector}), the scalar ones
     * otherwise. The system property {@code dl4jconnectome.kernels=scalar|vector} forces a choice.
     */
    static SparseKernels best() {
        return KernelSelection.BEST;
    }

    /** The plain-Java kernels, available everywhere. */
    static SparseKernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** Holder for the lazily chosen implementation. */
    final class KernelSelection {
        private static final Logger LOG = LoggerFactory.getLogger(SparseKernels.class);
        static final SparseKernels BEST = choose();

        private KernelSelection() {
        }

        private static SparseKernels choose() {
            String forced = System.getProperty("dl4jconnectome.kernels");
            boolean vectorPresent = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
            if ("scalar".equals(forced)) {
                return ScalarKernels.INSTANCE;
            }
            if (forced != null && !"vector".equals(forced)) {
                throw new IllegalArgumentException("system property dl4jconnectome.kernels = '" + forced
                        + "': expected scalar or vector");
            }
            if (!vectorPresent) {
                if ("vector".equals(forced)) {
                    throw new IllegalStateException("dl4jconnectome.kernels=vector needs the JVM option "
                            + "--add-modules jdk.incubator.vector");
                }
                LOG.info("jdk.incubator.vector is not available: using the scalar sparse kernels "
                        + "(run Java with --add-modules jdk.incubator.vector for the faster SIMD kernels)");
                return ScalarKernels.INSTANCE;
            }
            try {
                return (SparseKernels) Class.forName("org.dl4jconnectome.kernels.VectorKernels")
                        .getDeclaredField("INSTANCE").get(null);
            } catch (ReflectiveOperationException | LinkageError e) {
                LOG.warn("could not load the Vector API kernels, using the scalar ones", e);
                return ScalarKernels.INSTANCE;
            }
        }
    }
}
