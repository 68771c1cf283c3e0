package org.dl4jconnectome.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector shape per element type that every SIMD kernel uses. C2 intrinsifies a Vector API operation only
 * when the type profile of the API's shared code names a single vector class: a float kernel on 256-bit vectors
 * next to float activations on the preferred 512-bit ones made the profiles bimorphic, and the sparse product then
 * ran the API's Java fallback, a heap object per operation (measured: 250 GB allocated and 5x the time in one
 * tutorial-size training step).
 */
final class Species {
    /** 8 floats: one row of a batch of 8 in the batch-innermost layout (and AVX2's preferred width). */
    static final VectorSpecies<Float> FLOAT = FloatVector.SPECIES_256;
    /** The processor's preferred width: 8 doubles with AVX-512, 4 with AVX2. */
    static final VectorSpecies<Double> DOUBLE = DoubleVector.SPECIES_PREFERRED;

    private Species() {
    }
}
