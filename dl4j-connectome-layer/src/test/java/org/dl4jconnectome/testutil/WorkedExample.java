package org.dl4jconnectome.testutil;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.NeuronClass;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;

/** The worked example of the model specification (shared/spec/model.md), with its exact h(1). */
public final class WorkedExample {
    public static final int N = 6;
    public static final int I = 3;
    public static final int B = 2;
    public static final double[][] X = {{1, -0.5, 2}, {0, 0.3, -1}};
    /** torchode at atol 1e-6 / rtol 1e-3: 6 accepted steps, 38 function evaluations. */
    public static final int TORCHODE_STEPS = 6;
    public static final int TORCHODE_EVALUATIONS = 38;

    /** h(1) exact (scipy DOP853 at 1e-12): [sample][neuron], all synapses excitatory. */
    public static final double[][] EXACT_ALL_EXCITATORY = {
        {0.4213142, 0.2261162, 0.2270963, 0.2085639, 0.4975427, 0.2172391},
        {0.2994826, 0.2174950, 0.3350517, 0.2143276, 0.1750590, 0.2036705}};
    /** h(1) exact with type 0 excitatory, type 1 inhibitory. */
    public static final double[][] EXACT_DALE = {
        {0.3818642, 0.2242964, 0.1896105, 0.2072260, 0.4693932, 0.2164646},
        {0.2513115, 0.2152051, 0.2972347, 0.2129796, 0.1245335, 0.2022406}};
    /** h(1) of torchode itself (carrying its own ~2e-5 error), all excitatory. */
    public static final double[][] TORCHODE_ALL_EXCITATORY = {
        {0.4212937, 0.2261273, 0.2270843, 0.2085665, 0.4975186, 0.2172458},
        {0.2994652, 0.2175026, 0.3350270, 0.2143353, 0.1750560, 0.2036702}};
    public static final double[][] TORCHODE_DALE = {
        {0.3818487, 0.2243086, 0.1896025, 0.2072291, 0.4693729, 0.2164712},
        {0.2513010, 0.2152112, 0.2972242, 0.2129839, 0.1245256, 0.2022423}};

    private WorkedExample() {
    }

    public static CsrMatrix synapses() {
        return CsrMatrix.fromCoo(N, N, new int[] {0, 1, 3, 4, 5, 0, 2, 4}, new int[] {1, 0, 2, 5, 4, 5, 1, 3},
                new double[] {.8, 1.2, .9, 1.5, .7, .6, 1.1, .4});
    }

    /** Types [0,1,0,1,0,1], τ = [1.25, 2.0], sigmoid; type 0 excitatory, type 1 inhibitory. */
    public static Connectome connectome() {
        return Connectome.builder().synapses(synapses())
                .neuronTypes(NeuronTypes.fromTypeIds(new int[] {0, 1, 0, 1, 0, 1}, 2))
                .typeClasses(NeuronClass.EXCITATORY, NeuronClass.INHIBITORY).typeTau(1.25, 2.0)
                .typeNonlinearity(Nonlinearity.SIGMOID).build();
    }

    /** U has 1 at (0,0), (2,1), (4,2). */
    public static InputProjection inputProjection() {
        return InputProjection.identity(new int[] {0, 2, 4}, N);
    }
}
