package org.dl4jconnectome.samediff;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The listener a {@link ConnectomeGraph} registers on its graph: it refuses inputs of another shape than the graph was
 * unrolled for with a clear message before any op reads them, and after every training iteration restores the
 * parameters' bounds (W ≥ 0, G ≥ 0, τ ≥ τ_min), as the DL4J layer does after every update.
 */
final class GraphGuard extends BaseListener {
    private final String who;
    private final String inputName;
    /** The input's shape without the batch dimension. */
    private final long[] inputDims;
    /** What the message says is expected. */
    private final String expected;
    private final String initialStateName;
    private final long neurons;
    /** Lower bound of each trainable bounded parameter, by variable name. */
    private final Map<String, Double> bounds;

    GraphGuard(String who, String inputName, long[] inputDims, String expected, String initialStateName,
               long neurons, Map<String, Double> bounds) {
        this.who = who;
        this.inputName = inputName;
        this.inputDims = inputDims.clone();
        this.expected = expected;
        this.initialStateName = initialStateName;
        this.neurons = neurons;
        this.bounds = new LinkedHashMap<>(bounds);
    }

    String who() {
        return who;
    }

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        List<String> inputs = op.getInputsToOp();
        if (inputs == null || opContext == null) {
            return;
        }
        for (int i = 0; i < inputs.size(); i++) {
            String name = inputs.get(i);
            if (name.equals(inputName)) {
                checkInput(opContext.getInputArray(i));
            } else if (name.equals(initialStateName)) {
                checkInitialState(opContext.getInputArray(i));
            }
        }
    }

    private void checkInput(INDArray x) {
        if (x == null) {
            return;
        }
        long[] shape = x.shape();
        boolean ok = shape.length == inputDims.length + 1;
        for (int d = 0; ok && d < inputDims.length; d++) {
            ok = shape[d + 1] == inputDims[d];
        }
        if (!ok) {
            throw new IllegalArgumentException(who + ": input '" + inputName + "' has shape " + Arrays.toString(shape)
                    + ", expected " + expected);
        }
    }

    private void checkInitialState(INDArray h0) {
        if (h0 != null && (h0.rank() != 2 || h0.size(1) != neurons)) {
            throw new IllegalArgumentException(who + ": initial state '" + initialStateName + "' has shape "
                    + Arrays.toString(h0.shape()) + ", expected [B, " + neurons + "]");
        }
    }

    /** sd is SameDiff's gradient function, which shares the variables' arrays with the graph. */
    @Override
    public void iterationDone(SameDiff sd, At at, MultiDataSet dataSet, Loss loss) {
        if (at.operation() == Operation.TRAINING) {
            project(sd);
        }
    }

    /** W ≥ 0, G ≥ 0, τ ≥ τ_min, in place. */
    void project(SameDiff sd) {
        for (Map.Entry<String, Double> b : bounds.entrySet()) {
            INDArray p = sd.getArrForVarName(b.getKey());
            if (p != null) {
                Transforms.max(p, b.getValue(), false);
            }
        }
    }
}
