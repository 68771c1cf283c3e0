package org.dl4jconnectome.model;

import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.ode.StateBackend;

/** The host backend of a {@link ConnectomeIntegrator}: {@link ConnectomeDynamics} on Java arrays. */
final class HostConnectomeField<V> implements ConnectomeField<V> {
    private final ConnectomeDynamics<V> dynamics;
    private final EffectiveWeights effectiveWeights;

    private HostConnectomeField(ConnectomeModel model, ConnectomeDynamics<V> dynamics) {
        this.dynamics = dynamics;
        this.effectiveWeights = model.effectiveWeights();
    }

    /** The host field in the model's precision. */
    static ConnectomeField<?> of(ConnectomeModel model, SparseKernels kernels) {
        return model.singlePrecision()
                ? new HostConnectomeField<>(model, ConnectomeDynamics.float32(model.operator(), kernels))
                : new HostConnectomeField<>(model, ConnectomeDynamics.float64(model.operator(), kernels));
    }

    SparseKernels kernels() {
        return dynamics.kernels();
    }

    @Override
    public String backendName() {
        return "cpu (" + dynamics.kernels().name() + " kernels)";
    }

    @Override
    public StateBackend<V> states() {
        return dynamics.states();
    }

    @Override
    public boolean statesOnHost() {
        return true;
    }

    @Override
    public long stateMemoryLimit() {
        return Runtime.getRuntime().maxMemory();
    }

    @Override
    public void setParameters(double[] magnitudes, double[] gains, double[] tauPerNeuron, double[] bias,
                              double[] inputWeights) {
        dynamics.setParameters(effectiveWeights, magnitudes, gains, tauPerNeuron, bias, inputWeights);
    }

    @Override
    public void setInput(double[][] segments, int batch) {
        dynamics.setInput(segments, batch);
    }

    @Override
    public void resetGradients() {
        dynamics.resetGradients();
    }

    @Override
    public void synapseGradients(double[] magnitudeGrad, double[] gainGrad) {
        dynamics.synapseGradients(magnitudeGrad, gainGrad);
    }

    @Override
    public double[] tauGradient() {
        return dynamics.tauGradient();
    }

    @Override
    public double[] biasGradient() {
        return dynamics.biasGradient();
    }

    @Override
    public double[] inputWeightGradient() {
        return dynamics.inputWeightGradient();
    }

    @Override
    public double[][] inputGradient() {
        return dynamics.inputGradient();
    }

    @Override
    public void evaluate(int[] segment, V y, V out, V record) {
        dynamics.evaluate(segment, y, out, record);
    }

    @Override
    public void vjp(int[] segment, V y, V record, V outBar, V yBar) {
        dynamics.vjp(segment, y, record, outBar, yBar);
    }

    @Override
    public void endOfStep() {
        dynamics.endOfStep();
    }
}
