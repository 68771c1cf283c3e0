package org.dl4jconnectome.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The launch configurations, by hand. */
class LaunchPlanTest {

    @Test
    void lanesCoverEverySampleOfAChunkInPowersOfTwo() {
        int[][] cases = {{1, 1}, {2, 2}, {3, 4}, {5, 8}, {8, 8}, {9, 16}, {17, 32}, {32, 32}, {33, 32}, {1000, 32}};
        for (int[] c : cases) {
            assertEquals(c[1], LaunchPlan.lanesPerSample(c[0]), "batch " + c[0]);
        }
    }

    @Test
    void gridsAtTutorialSize() {
        // 47,521 rows: 8 warps per block of 256 threads, 5,941 blocks; one thread per neuron: 186 blocks.
        assertEquals(5941, LaunchPlan.warpPerRowBlocks(47_521));
        assertEquals(186, LaunchPlan.threadPerItemBlocks(47_521));
        assertEquals(1486, LaunchPlan.stridedBlocks(47_521L * 8));
        assertEquals(8192, LaunchPlan.stridedBlocks(47_521L * 256));
        // Reductions: 32 rows x 8 samples per block, capped at 1,024 blocks; one block row of samples.
        assertEquals(32, LaunchPlan.reductionRowsPerBlock(LaunchPlan.reductionSamples(8)));
        assertEquals(1024, LaunchPlan.reductionBlocksX(47_521, 8));
        assertEquals(1, LaunchPlan.reductionBlocksY(8));
        assertEquals(2, LaunchPlan.reductionBlocksY(257));
        assertEquals(1, LaunchPlan.reductionRowsPerBlock(LaunchPlan.reductionSamples(300)));
        assertEquals(3, LaunchPlan.reductionBlocksX(3, 300));
    }

    @Test
    void emptyAndOversizedLaunchesAreRefused() {
        assertEquals("rows = 0: expected at least 1",
                assertThrows(IllegalArgumentException.class, () -> LaunchPlan.warpPerRowBlocks(0)).getMessage());
        assertEquals("batch = 0: expected at least 1",
                assertThrows(IllegalArgumentException.class, () -> LaunchPlan.lanesPerSample(0)).getMessage());
        assertEquals("17179869184 blocks: more than a CUDA grid holds (2^31 - 1)",
                assertThrows(IllegalArgumentException.class, () -> LaunchPlan.threadPerItemBlocks(1L << 42))
                        .getMessage());
    }
}
