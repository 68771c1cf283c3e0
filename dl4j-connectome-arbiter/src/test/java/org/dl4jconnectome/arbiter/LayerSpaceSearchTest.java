package org.dl4jconnectome.arbiter;

import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.saving.InMemoryResultSaver;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxCandidatesCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.scoring.impl.EvaluationScoreFunction;
import org.deeplearning4j.arbiter.task.MultiLayerNetworkTaskCreator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A whole Arbiter search over the layer space: Arbiter's runner trains and scores every candidate. */
class LayerSpaceSearchTest {
    /** Two classes of 3-feature points (which of the first two features is larger), seeded. */
    public static final class TwoClasses implements DataSource {
        private static final long serialVersionUID = 1L;

        public TwoClasses() {
        }

        @Override
        public void configure(Properties properties) {
        }

        @Override
        public Object trainData() {
            return iterator(1, 64);
        }

        @Override
        public Object testData() {
            return iterator(2, 32);
        }

        @Override
        public Class<?> getDataType() {
            return DataSetIterator.class;
        }

        private static DataSetIterator iterator(long seed, int n) {
            Random rnd = new Random(seed);
            INDArray x = Nd4j.zeros(DataType.FLOAT, n, ConnectomeOdeLayerSpaceTest.INPUTS);
            INDArray y = Nd4j.zeros(DataType.FLOAT, n, 2);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < ConnectomeOdeLayerSpaceTest.INPUTS; j++) {
                    x.putScalar(i, j, rnd.nextDouble());
                }
                y.putScalar(i, x.getDouble(i, 0) > x.getDouble(i, 1) ? 0 : 1, 1.0);
            }
            return new ListDataSetIterator<>(new DataSet(x, y).asList(), 16);
        }
    }

    @Test
    void arbitersRunnerTrainsAndScoresEveryCandidate() throws IOException {
        ConnectomeOdeLayerSpace ode = new ConnectomeOdeLayerSpace.Builder()
                .template(ConnectomeOdeLayerSpaceTest.template())
                .typeTauRange(0.5, 2)
                .typePairGainInit(new ContinuousParameterSpace(0.5, 1.5))
                .build();
        MultiLayerSpace space = ConnectomeOdeLayerSpaceTest.network(ode);
        OptimizationConfiguration config = new OptimizationConfiguration.Builder()
                .candidateGenerator(new RandomSearchGenerator(space))
                .dataSource(TwoClasses.class, new Properties())
                .modelSaver(new InMemoryResultSaver())
                .scoreFunction(new EvaluationScoreFunction(Evaluation.Metric.ACCURACY))
                .terminationConditions(new MaxCandidatesCondition(2))
                .rngSeed(4)
                .build();
        LocalOptimizationRunner runner = new LocalOptimizationRunner(config, new MultiLayerNetworkTaskCreator());
        runner.execute();

        assertEquals(2, runner.numCandidatesCompleted());
        assertEquals(0, runner.numCandidatesFailed());
        List<ResultReference> results = runner.getResults();
        assertEquals(2, results.size());
        List<double[]> taus = new ArrayList<>();
        for (ResultReference ref : results) {
            OptimizationResult result = ref.getResult();
            MultiLayerNetwork net = assertInstanceOf(MultiLayerNetwork.class, ref.getResultModel());
            // The recorded score is the accuracy of this trained network on the test data, recomputed here.
            Evaluation eval = net.evaluate((DataSetIterator) new TwoClasses().testData());
            assertEquals(eval.accuracy(), result.getScore(), 1e-12);
            ConnectomeOdeLayer layer = (ConnectomeOdeLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
            double[] tau = net.getLayer(0).getParam("tau").toDoubleVector();
            for (double t : tau) {
                assertTrue(t >= layer.getTauMin(), "trained tau " + t + " kept >= tauMin");
            }
            taus.add(layer.getConnectome().typeTaus());
        }
        assertFalse(java.util.Arrays.equals(taus.get(0), taus.get(1)), "two different candidates");
        assertEquals(runner.bestScore(), Math.max(results.get(0).getResult().getScore(),
                results.get(1).getResult().getScore()));
    }
}
