package org.dl4jconnectome.cuda;

/**
 * Launch configurations of the kernels (pure arithmetic, so that it is tested without a device). Every kernel runs
 * blocks of {@value #BLOCK} threads.
 * <ul>
 * <li>Sparse products and the synapse gradient: one warp per row, its lanes split into groups of
 * {@link #lanesPerSample} lanes, one lane per sample of a chunk of up to 32 samples, the groups sharing the row's
 * entries.</li>
 * <li>Elementwise work: grid-stride loops over at most {@value #MAX_STRIDED_BLOCKS} blocks.</li>
 * <li>Per-sample reductions: blocks of rows × samples, at most {@value #MAX_REDUCTION_BLOCKS} along the rows (a
 * fixed number, so that the order of the sums and so the results do not depend on the device).</li>
 * </ul>
 */
final class LaunchPlan {
    static final int BLOCK = 256;
    static final int WARP = 32;
    static final int MAX_STRIDED_BLOCKS = 8192;
    static final int MAX_REDUCTION_BLOCKS = 1024;

    private LaunchPlan() {
    }

    /** Lanes per sample group: the smallest power of two ≥ min(B, 32). */
    static int lanesPerSample(int batch) {
        requirePositive("batch", batch);
        int m = Math.min(batch, WARP);
        return Integer.highestOneBit(m) == m ? m : Integer.highestOneBit(m) << 1;
    }

    /** Blocks for one warp per row. */
    static int warpPerRowBlocks(long rows) {
        requirePositive("rows", rows);
        return checkedGrid((rows + BLOCK / WARP - 1) / (BLOCK / WARP));
    }

    /** Blocks for one thread per item. */
    static int threadPerItemBlocks(long items) {
        requirePositive("items", items);
        return checkedGrid((items + BLOCK - 1) / BLOCK);
    }

    /** Blocks of a grid-stride loop over {@code items}. */
    static int stridedBlocks(long items) {
        requirePositive("items", items);
        return (int) Math.min(MAX_STRIDED_BLOCKS, (items + BLOCK - 1) / BLOCK);
    }

    /** Samples of the first chunk of a reduction block. */
    static int reductionSamples(int batch) {
        return Math.min(BLOCK, batch);
    }

    /** Row lanes of a reduction block whose chunk has {@code samples} samples. */
    static int reductionRowsPerBlock(int samples) {
        return BLOCK / samples;
    }

    /** Blocks along the rows of a per-sample reduction. */
    static int reductionBlocksX(int rows, int batch) {
        requirePositive("rows", rows);
        int rowsPerBlock = reductionRowsPerBlock(reductionSamples(batch));
        return (int) Math.min(MAX_REDUCTION_BLOCKS, ((long) rows + rowsPerBlock - 1) / rowsPerBlock);
    }

    /** Blocks along the samples of a per-sample reduction (chunks of {@value #BLOCK} samples). */
    static int reductionBlocksY(int batch) {
        requirePositive("batch", batch);
        return (batch + BLOCK - 1) / BLOCK;
    }

    private static int checkedGrid(long blocks) {
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(blocks + " blocks: more than a CUDA grid holds (2^31 - 1)");
        }
        return (int) blocks;
    }

    private static void requirePositive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " = " + value + ": expected at least 1");
        }
    }
}
