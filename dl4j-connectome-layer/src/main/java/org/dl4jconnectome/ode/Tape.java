package org.dl4jconnectome.ode;

import java.util.Arrays;

/**
 * What a {@link FixedStepSolver}'s reverse pass needs of its forward pass: the input and the field's record of every
 * stage of the kept steps, and with checkpointing the states at the checkpoints. Reused across passes: its handles
 * are only allocated when a pass needs more of them or another backend, so repeated training steps do not churn
 * memory.
 *
 * @param <V> the backend's state handle
 */
public final class Tape<V> {
    private StateBackend<V> backend;
    private Object[][] input = new Object[0][];
    private Object[][] record = new Object[0][];
    private Object[] checkpoints = new Object[0];
    private int recordedSteps = -1;
    private int recordedCheckpointEvery;

    /** Makes room for {@code steps} steps of {@code stages} stages and {@code checkpoints} saved states. */
    void ensure(StateBackend<V> ops, int steps, int stages, int numCheckpoints) {
        if (ops != backend) {
            backend = ops;
            input = new Object[0][];
            record = new Object[0][];
            checkpoints = new Object[0];
        }
        if (input.length < steps || (input.length > 0 && input[0].length != stages)) {
            int from = input.length > 0 && input[0].length == stages ? input.length : 0;
            Object[][] in = Arrays.copyOf(from == 0 ? new Object[0][] : input, steps);
            Object[][] rec = Arrays.copyOf(from == 0 ? new Object[0][] : record, steps);
            for (int n = from; n < steps; n++) {
                in[n] = new Object[stages];
                rec[n] = new Object[stages];
                for (int i = 0; i < stages; i++) {
                    in[n][i] = ops.allocate();
                    rec[n][i] = ops.allocate();
                }
            }
            input = in;
            record = rec;
        }
        if (checkpoints.length < numCheckpoints) {
            Object[] c = Arrays.copyOf(checkpoints, numCheckpoints);
            for (int k = checkpoints.length; k < numCheckpoints; k++) {
                c[k] = ops.allocate();
            }
            checkpoints = c;
        }
    }

    /** Marks the tape as holding a forward pass of {@code steps} steps with the given checkpointing. */
    void recorded(int steps, int checkpointEvery) {
        this.recordedSteps = steps;
        this.recordedCheckpointEvery = checkpointEvery;
    }

    /**
     * @throws IllegalStateException unless this tape holds a forward pass on this backend over as many steps with
     *                               the same checkpointing
     */
    void checkRecorded(StateBackend<V> ops, int steps, int checkpointEvery) {
        if (ops != backend || recordedSteps != steps || recordedCheckpointEvery != checkpointEvery) {
            throw new IllegalStateException("backward needs the tape of a forward pass over the same schedule, "
                    + "backend and checkpointing (this tape holds " + (recordedSteps < 0 ? "none" : recordedSteps
                    + " steps") + ", the reverse pass has " + steps + ")");
        }
    }

    @SuppressWarnings("unchecked")
    V input(int step, int stage) {
        return (V) input[step][stage];
    }

    @SuppressWarnings("unchecked")
    V record(int step, int stage) {
        return (V) record[step][stage];
    }

    @SuppressWarnings("unchecked")
    V checkpoint(int k) {
        return (V) checkpoints[k];
    }

    /** State handles held (stage inputs, records and checkpoints), for memory reports. */
    public long handles() {
        long n = checkpoints.length;
        for (Object[] s : input) {
            n += 2L * s.length;
        }
        return n;
    }
}
