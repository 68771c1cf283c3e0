package org.dl4jconnectome.layer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.InputProjection;
import org.dl4jconnectome.connectome.Nonlinearity;
import org.dl4jconnectome.io.ModelFiles;
import org.dl4jconnectome.kernels.SparseKernels;
import org.dl4jconnectome.model.ConnectomeDynamics;
import org.dl4jconnectome.model.ConnectomeModel;
import org.dl4jconnectome.model.ConnectomeSimulator;
import org.dl4jconnectome.ode.FixedStepSolver;
import org.dl4jconnectome.ode.NonFiniteStateException;
import org.dl4jconnectome.ode.RungeKuttaMethod;
import org.dl4jconnectome.ode.SolverSpec;
import org.dl4jconnectome.ode.StepSchedule;
import org.dl4jconnectome.testutil.RandomConnectomes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile and careless inputs to the layer: diverging dynamics, unstable steps, NaN, edited model files. */
class LayerGuardRailsTest {
    private static final int N = 12;
    private static final int I = 3;

    /** A relu connectome whose synapses ×10 make the fixed-step solution blow up over a long span. */
    private static Connectome explosive() {
        Connectome c = RandomConnectomes.typed(5, N, 0.4, 1, false, Nonlinearity.RELU);
        double[] w = c.synapses().values();
        for (int k = 0; k < w.length; k++) {
            w[k] *= 10;
        }
        return c.withSynapseMagnitudes(w);
    }

    private static InputProjection projection() {
        return InputProjection.of(RandomConnectomes.matrix(new Random(6), N, I, 0.5, 0.5, 1));
    }

    private static MultiLayerNetwork network(ConnectomeOdeLayer layer) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(new Adam(0.01)).seed(7).list().layer(layer)
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .nOut(2).build())
                .setInputType(InputType.feedForward(I)).build());
        net.init();
        return net;
    }

    private static <T extends Throwable> T fails(Class<T> type, Runnable r, String... expected) {
        T e = assertThrows(type, r::run);
        for (String s : expected) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' should mention '" + s + "'");
        }
        return e;
    }

    @Test
    void aDivergingFixedStepSolveNamesTheLayerSampleAndTime() {
        ConnectomeOdeLayer layer = new ConnectomeOdeLayer.Builder().name("relu").connectome(explosive())
                .inputProjection(projection()).timeSpan(0, 1000).evaluationPoints(1001).build();
        MultiLayerNetwork net = network(layer);
        INDArray x = Nd4j.ones(DataType.DOUBLE, 2, I);
        fails(IllegalStateException.class, () -> net.output(x), "layer name: relu", "sample 0 became non-finite",
                "in the step from t = ");
    }

    @Test
    void aFailedFitLeavesParametersAndUpdaterStateAsTheyWere() {
        ConnectomeOdeLayer layer = new ConnectomeOdeLayer.Builder().connectome(explosive())
                .inputProjection(projection()).timeSpan(0, 1000).evaluationPoints(1001).build();
        MultiLayerNetwork net = network(layer);
        // A first, successful step on a harmless input gives the updater some state.
        INDArray calm = Nd4j.zeros(DataType.DOUBLE, 2, I).subi(50);
        net.fit(calm, Nd4j.zeros(DataType.DOUBLE, 2, 2, 1001));
        INDArray params = net.params().dup();
        INDArray state = net.getUpdater().getStateViewArray().dup();
        fails(IllegalStateException.class, () -> net.fit(Nd4j.ones(DataType.DOUBLE, 2, I),
                Nd4j.zeros(DataType.DOUBLE, 2, 2, 1001)), "non-finite");
        assertEquals(params, net.params(), "parameters unchanged");
        assertEquals(state, net.getUpdater().getStateViewArray(), "updater state unchanged");
    }

    @Test
    void unstableFixedStepsAreRefusedNamingTheStepsPerIntervalThatWouldDo() {
        // A pure leak with τ = 1 and one step of 50 time units: Dopri5 gives h(100) ≈ −1.5e9 for an exact 0.94.
        Connectome leak = Connectome.builder().synapses(CsrMatrix.fromCoo(3, 3, new int[0], new int[0],
                new double[0])).build();
        IllegalArgumentException e = fails(IllegalArgumentException.class,
                () -> new ConnectomeOdeLayer.Builder().connectome(leak)
                        .inputProjection(InputProjection.identity(new int[] {0}, 3)).timeSpan(0, 100)
                        .evaluationPoints(3).build(), "stepsPerInterval = 1", "50.0 time units",
                "tauMin = 1.0", "use stepsPerInterval >= 16");
        assertTrue(e.getMessage().contains("dopri5 needs step/tau <= 3.307"), e.getMessage());
        new ConnectomeOdeLayer.Builder().connectome(leak).inputProjection(InputProjection.identity(new int[] {0}, 3))
                .timeSpan(0, 100).evaluationPoints(3).stepsPerInterval(16).build();
        fails(IllegalArgumentException.class, () -> new ConnectomeOdeLayer.Builder().connectome(leak)
                .inputProjection(InputProjection.identity(new int[] {0}, 3)).timeSpan(-1e308, 1e308).build(),
                "difference is finite");
        fails(IllegalArgumentException.class, () -> new ConnectomeOdeLayer.Builder().connectome(leak)
                .inputProjection(InputProjection.identity(new int[] {0}, 3)).timeSpan(0, 1e300).build(),
                "unstable", "more than a fixed-step schedule holds; shorten the time span or raise tauMin");
        // The simulator applies the rule to its smallest τ.
        ConnectomeSimulator sim = ConnectomeSimulator.builder().connectome(leak)
                .inputProjection(InputProjection.identity(new int[] {0}, 3)).build();
        fails(IllegalArgumentException.class, () -> sim.simulate(new double[1], 1, 1, 0, 100, 3,
                SolverSpec.fixed(1), null), "the smallest tau = 1.0", "use stepsPerInterval >= 16 or more evaluation "
                + "points, or raise the smallest tau");
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void nanPropagatesThroughEveryNonlinearityAndIsReported(String kernels) {
        SparseKernels k = kernels.equals("scalar") ? SparseKernels.scalar() : SparseKernels.best();
        for (Nonlinearity phi : Nonlinearity.values()) {
            // Neuron 0 drives neuron 1; a NaN in neuron 0's state must reach neuron 1's derivative, not a dead 0.
            Connectome c = Connectome.builder().synapses(CsrMatrix.fromCoo(2, 2, new int[] {1}, new int[] {0},
                    new double[] {1.0})).typeNonlinearity(phi).build();
            ConnectomeModel model = ConnectomeModel.of(c, InputProjection.identity(new int[] {0}, 2), false, false,
                    false);
            ConnectomeDynamics<double[]> f = ConnectomeDynamics.float64(model.operator(), k);
            f.setParameters(model.effectiveWeights(), new double[] {1.0}, null, new double[] {1, 1}, new double[2],
                    new double[] {1.0});
            f.setInput(new double[][] {{0.0}}, 1);
            double[] out = new double[2];
            double[] z = new double[2];
            f.evaluate(new int[] {0}, new double[] {Double.NaN, 0.0}, out, z);
            assertTrue(Double.isNaN(out[1]), phi + " (" + kernels + "): the derivative of the driven neuron is "
                    + out[1]);
            double[] yBar = new double[2];
            f.resetGradients();
            f.vjp(new int[] {0}, new double[] {0.0, 0.0}, z, new double[] {0.0, 1.0}, yBar);
            assertTrue(Double.isNaN(yBar[0]), phi + ": the reverse pass carries the NaN slope: " + yBar[0]);
            // And the solver stops there, naming the sample.
            NonFiniteStateException e = assertThrows(NonFiniteStateException.class, () -> new FixedStepSolver<double[]>(
                    RungeKuttaMethod.DOPRI5, 0).forward(f, f.states(), StepSchedule.fixed(0, 1, 2, 1, 1), null,
                    new double[] {Double.NaN, 0.0}, (p, state, samples) -> { }, null, null));
            assertEquals(0, e.sample());
        }
    }

    @Test
    void nonFiniteInputsAndParametersAreClearErrors() {
        MultiLayerNetwork net = network(new ConnectomeOdeLayer.Builder().name("ode")
                .connectome(RandomConnectomes.typed(9, N, 0.3, 2, false, Nonlinearity.RELU, Nonlinearity.TANH))
                .inputProjection(projection()).evaluationPoints(3).build());
        INDArray x = Nd4j.ones(DataType.DOUBLE, 2, I);
        x.putScalar(1, 2, Double.NaN);
        fails(IllegalArgumentException.class, () -> net.output(x), "layer name: ode",
                "input of sample 1 has NaN at feature 2");
        fails(IllegalArgumentException.class, () -> net.fit(x, Nd4j.zeros(DataType.DOUBLE, 2, 2, 3)),
                "input of sample 1 has NaN");
        INDArray b = net.getLayer(0).getParam("b").dup();
        b.putScalar(0, 4, Double.NaN);
        net.getLayer(0).setParam("b", b);
        fails(IllegalStateException.class, () -> net.output(Nd4j.ones(DataType.DOUBLE, 2, I)),
                "parameter 'b'[4] is NaN");
    }

    @Test
    void aTapeLargerThanTheHeapIsAClearErrorBeforeAnythingRuns() {
        MultiLayerNetwork net = network(new ConnectomeOdeLayer.Builder().connectome(explosive())
                .inputProjection(projection()).evaluationPoints(2).stepsPerInterval(4_000_000).build());
        INDArray params = net.params().dup();
        fails(IllegalArgumentException.class, () -> net.fit(Nd4j.ones(DataType.DOUBLE, 2, I),
                Nd4j.zeros(DataType.DOUBLE, 2, 2, 2)), "more than the Java heap", "withCheckpointEvery");
        assertEquals(params, net.params());
    }

    @Test
    void anEmptyConnectomeWithTrainableSynapsesIsAPureLeak() {
        Connectome none = Connectome.builder().synapses(CsrMatrix.fromCoo(4, 4, new int[0], new int[0],
                new double[0])).typeTau(2.0).build();
        ConnectomeOdeLayer layer = new ConnectomeOdeLayer.Builder().connectome(none).trainSynapses(true)
                .inputProjection(InputProjection.identity(new int[] {0, 1, 2}, 4)).evaluationPoints(3)
                .stepsPerInterval(8).build();
        MultiLayerNetwork net = network(layer);
        assertEquals(List.of("tau", "b", "U"), new ArrayList<>(net.getLayer(0).paramTable().keySet()));
        INDArray x = Nd4j.createFromArray(new double[][] {{0.5, -1, 2}});
        INDArray out = net.feedForwardToLayer(0, x).get(1);
        // τ h' = −h + σ(x): h(t) = σ(x)(1 − e^{−t/τ}); neuron 3 has no input, h = σ(0)(1 − e^{−t/τ}).
        double[] drive = {0.5, -1, 2, 0};
        for (int i = 0; i < 4; i++) {
            double s = 1 / (1 + Math.exp(-drive[i]));
            assertEquals(s * (1 - Math.exp(-1 / 2.0)), out.getDouble(0, i, 2), 1e-9, "neuron " + i);
        }
        net.fit(x, Nd4j.zeros(DataType.DOUBLE, 1, 2, 3));
    }

    @Test
    void oneSimulatorServesSeveralThreadsAtOnce() throws Exception {
        Connectome c = RandomConnectomes.typed(10, 200, 0.05, 2, false, Nonlinearity.SIGMOID, Nonlinearity.TANH);
        InputProjection u = InputProjection.of(RandomConnectomes.matrix(new Random(11), 200, 4, 0.2, -1, 1));
        ConnectomeSimulator sim = ConnectomeSimulator.builder().connectome(c).inputProjection(u).build();
        int tasks = 6;
        double[][] inputs = new double[tasks][];
        double[][] expected = new double[tasks][];
        for (int t = 0; t < tasks; t++) {
            Random rnd = new Random(100 + t);
            inputs[t] = new double[3 * 4];
            for (int i = 0; i < inputs[t].length; i++) {
                inputs[t][i] = rnd.nextGaussian();
            }
            SolverSpec solver = t % 2 == 0 ? SolverSpec.fixed(2) : SolverSpec.adaptive();
            expected[t] = sim.simulate(inputs[t], 3, 1, 0, 2, 6, solver, null).toArray();
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 3; round++) {
                List<Future<double[]>> futures = new ArrayList<>();
                for (int t = 0; t < tasks; t++) {
                    int task = t;
                    SolverSpec solver = t % 2 == 0 ? SolverSpec.fixed(2) : SolverSpec.adaptive();
                    futures.add(pool.submit(() -> sim.simulate(inputs[task], 3, 1, 0, 2, 6, solver, null)
                            .toArray()));
                }
                for (int t = 0; t < tasks; t++) {
                    // Not bit for bit: the Vector API's exp differs by an ulp between interpreted and compiled code.
                    assertArrayEquals(expected[t], futures.get(t).get(), 1e-12, "task " + t + ", round " + round);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- loading validates ----

    private static MultiLayerNetwork savedNetwork() {
        ConnectomeOdeLayer layer = new ConnectomeOdeLayer.Builder().name("saved")
                .connectome(RandomConnectomes.typed(12, N, 0.3, 2, false, Nonlinearity.SIGMOID, Nonlinearity.TANH))
                .inputProjection(projection()).typePairGains(true).tauMin(0.5).evaluationPoints(4).build();
        return network(layer);
    }

    /** The model zip with the connectome layer's JSON edited. */
    private static File edited(Path dir, MultiLayerNetwork net, Consumer<ObjectNode> edit) throws IOException {
        File original = dir.resolve("original.zip").toFile();
        ModelSerializer.writeModel(net, original, true);
        File out = dir.resolve("edited.zip").toFile();
        try (ZipFile zip = new ZipFile(original);
             ZipOutputStream zos = new ZipOutputStream(Files.newOutputStream(out.toPath()))) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                byte[] data;
                try (InputStream in = zip.getInputStream(e)) {
                    data = in.readAllBytes();
                }
                if (e.getName().equals("configuration.json")) {
                    ObjectMapper om = new ObjectMapper();
                    ObjectNode root = (ObjectNode) om.readTree(data);
                    edit.accept((ObjectNode) root.get("confs").get(0).get("layer"));
                    ByteArrayOutputStream json = new ByteArrayOutputStream();
                    om.writeValue(json, root);
                    data = json.toByteArray();
                }
                zos.putNextEntry(new ZipEntry(e.getName()));
                zos.write(data);
                zos.closeEntry();
            }
        }
        return out;
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "numEvaluationPoints|0|numEvaluationPoints = 0",
        "numSteps|0|numEvaluationPoints = 0",
        "stepsPerInterval|0|stepsPerInterval = 0",
        "endTime|-1|timeSpan [0.0, -1.0]",
        "tauMin|NaN|tauMin = NaN",
        "method|rk4|unknown Runge-Kutta method 'rk4'",
    })
    void aLoadedConfigurationPassesTheBuildersChecks(String field, String value, String expected,
                                                     @TempDir Path dir) throws Exception {
        MultiLayerNetwork net = savedNetwork();
        File f = edited(dir, net, layer -> {
            if (field.equals("numSteps")) {
                layer.remove("numEvaluationPoints");
            }
            if (field.equals("method")) {
                layer.put(field, value);
            } else if (value.equals("NaN")) {
                layer.put(field, Double.NaN);
            } else {
                layer.put(field, Double.parseDouble(value));
            }
        });
        IllegalArgumentException e = fails(IllegalArgumentException.class,
                () -> restore(f), "ConnectomeOdeLayer 'saved'", expected);
        assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
        IOException io = assertThrows(IOException.class, () -> ModelFiles.restoreMultiLayerNetwork(f.toPath(), true));
        assertTrue(io.getMessage().contains(f.getName()) && io.getMessage().contains(expected), io.getMessage());
    }

    private static void restore(File f) {
        try {
            ModelSerializer.restoreMultiLayerNetwork(f, true);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aTauMinAboveTheStoredTausIsRefusedAtLoad(@TempDir Path dir) throws Exception {
        // Stored τ 0.6 (trained down from its initial value, within tauMin 0.5), then tauMin edited to 0.8: the
        // configuration is fine (every initial τ is at least 1), the stored parameter is not.
        MultiLayerNetwork net = savedNetwork();
        INDArray tau = net.getLayer(0).getParam("tau").dup();
        tau.putScalar(0, 0, 0.6);
        net.getLayer(0).setParam("tau", tau);
        File f = edited(dir, net, layer -> layer.put("tauMin", 0.8));
        fails(IllegalArgumentException.class, () -> restore(f), "'saved'", "parameter 'tau'[0] = 0.6",
                "violates the layer's bounds", ">= 0.8 (tauMin)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"W", "G"})
    void storedParametersOutsideTheirBoundsAreRefusedAtLoad(String key, @TempDir Path dir) throws Exception {
        MultiLayerNetwork net = savedNetwork();
        INDArray p = net.getLayer(0).getParam(key).dup();
        p.putScalar(0, 1, -0.5);
        net.getLayer(0).setParam(key, p);
        File f = dir.resolve("negative.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        fails(IllegalArgumentException.class, () -> restore(f), "'saved'", "parameter '" + key + "'[1] = -0.5",
                ">= 0.0");
    }

    @Test
    void aTruncatedModelZipNamesTheFile(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = savedNetwork();
        File f = dir.resolve("model.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        byte[] all = Files.readAllBytes(f.toPath());
        Path cut = dir.resolve("cut.zip");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        IOException e = assertThrows(IOException.class, () -> ModelFiles.restoreMultiLayerNetwork(cut, true));
        assertTrue(e.getMessage().contains("cut.zip") && e.getMessage().contains("truncated or corrupt"),
                e.getMessage());
    }
}
