package org.dl4jconnectome.zoo;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.datasets.FlyVisNetwork;

import java.util.List;

/**
 * Projects a square image onto the fly's compound eye: every pixel belongs to the hexagonal column (ommatidium)
 * nearest to it, and each column's photoreceptors see the mean grey level of its pixels, as all photoreceptors of one
 * cartridge look at the same point in space.
 * <p>
 * Geometry: column (u, v) sits at x = u + v/2, y = v·√3/2 (neighbouring columns one unit apart), which makes the
 * lattice of extent R a regular hexagon with corners at x = ±R. The image is centred on column (0, 0), up the +y
 * direction, and scaled so that its outermost pixel centres reach the corners: the whole eye looks at the image, and
 * up to R = 13 (pixels closer than columns) every column sees at least one pixel; on finer lattices some columns
 * see none and get no input. Pixels outside the hexagon (the image's corners and its top and bottom rows, blank in
 * MNIST, whose digits fill the central 20×20 pixels) join the nearest border column.
 */
public final class FlyVisRetina {
    private static final double SQRT3_2 = Math.sqrt(3) / 2;

    private final FlyVisNetwork network;
    private final int[] columnOfPixel;
    private final int[] pixelsInColumn;

    private FlyVisRetina(FlyVisNetwork network, int side) {
        this.network = network;
        int[] cu = network.columnU();
        int[] cv = network.columnV();
        double scale = side > 1 ? network.extent() / ((side - 1) / 2.0) : 0;
        columnOfPixel = new int[side * side];
        pixelsInColumn = new int[cu.length];
        for (int row = 0; row < side; row++) {
            for (int col = 0; col < side; col++) {
                double x = (col - (side - 1) / 2.0) * scale;
                double y = ((side - 1) / 2.0 - row) * scale;
                int best = 0;
                double bestDist = Double.POSITIVE_INFINITY;
                for (int c = 0; c < cu.length; c++) {
                    double dx = cu[c] + cv[c] / 2.0 - x;
                    double dy = cv[c] * SQRT3_2 - y;
                    double d = dx * dx + dy * dy;
                    if (d < bestDist) {
                        bestDist = d;
                        best = c;
                    }
                }
                columnOfPixel[row * side + col] = best;
                pixelsInColumn[best]++;
            }
        }
    }

    /**
     * The retina of a flyvis network for side×side images.
     *
     * @throws IllegalArgumentException if side &lt; 1
     */
    public static FlyVisRetina of(FlyVisNetwork network, int side) {
        if (side < 1) {
            throw new IllegalArgumentException("side = " + side + ": expected an image side of at least 1 pixel");
        }
        return new FlyVisRetina(network, side);
    }

    /** The lattice column (an index into {@link FlyVisNetwork#columnU()}) that sees pixel row·side + col. */
    public int columnOfPixel(int pixel) {
        return columnOfPixel[pixel];
    }

    /** How many pixels column c sees (0 for columns between the pixels of a lattice finer than the image). */
    public int pixelsInColumn(int column) {
        return pixelsInColumn[column];
    }

    /**
     * The N×side² input projection: pixel k drives the neurons of the given photoreceptor types in its column, each
     * with weight 1 / (pixels of that column), so that a photoreceptor receives its column's mean grey level.
     *
     * @param receptorTypes cell types to drive, e.g. R1–R8 ({@link FlyVisNetwork#inputTypeNames()})
     * @throws IllegalArgumentException if a type is unknown or has no cell in some column that sees a pixel
     */
    public InputProjection projection(List<String> receptorTypes) {
        int[] cu = network.columnU();
        int[] cv = network.columnV();
        int pixels = columnOfPixel.length;
        int entries = pixels * receptorTypes.size();
        int[] rows = new int[entries];
        int[] cols = new int[entries];
        double[] values = new double[entries];
        int e = 0;
        for (String type : receptorTypes) {
            for (int k = 0; k < pixels; k++) {
                int c = columnOfPixel[k];
                int neuron = network.neuronAt(type, cu[c], cv[c]);
                if (neuron < 0) {
                    throw new IllegalArgumentException("cell type " + type + " has no neuron in column (" + cu[c]
                            + ", " + cv[c] + "): expected a photoreceptor type with one cell per column");
                }
                rows[e] = neuron;
                cols[e] = k;
                values[e] = 1.0 / pixelsInColumn[c];
                e++;
            }
        }
        return InputProjection.of(CsrMatrix.fromCoo(network.numNeurons(), pixels, rows, cols, values));
    }
}
