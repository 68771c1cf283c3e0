package org.dl4jconnectome.ode;

/**
 * The right-hand side dy/dt = f(y, segment) of a batch of B independent systems of {@link #size()} states each.
 * States are laid out batch-innermost (state i of sample b at {@code i * B + b}). Time enters only through the
 * <i>segment</i> of each sample: the index of the piecewise-constant input bin its time lies in; a solver never lets
 * a step straddle a segment edge.
 */
public interface VectorField {

    /** Number of states per sample. */
    int size();

    /** Number of samples B. */
    int batch();

    /**
     * out = f(y): segment[b] is the input segment of sample b.
     *
     * @param record where a differentiable field stores what its reverse pass needs (or null when not recording)
     */
    void evaluate(int[] segment, double[] y, double[] out, double[] record);

    /** Length of the record array {@link #evaluate} fills (0 if it records nothing). */
    default int recordLength() {
        return 0;
    }
}
