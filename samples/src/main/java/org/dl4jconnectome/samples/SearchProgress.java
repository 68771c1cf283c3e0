package org.dl4jconnectome.samples;

import org.deeplearning4j.arbiter.DL4JConfiguration;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.BaseStatusListener;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Follows the search: one line on stderr per finished candidate, and the rows of the summary table.
 * Arbiter reports a finished candidate from the thread that trained it.
 */
final class SearchProgress extends BaseStatusListener {
    /**
     * One finished candidate: its score (null if it failed), its hyperparameters as the table shows them and its
     * train-mnist options.
     */
    record Row(int index, Double score, double learningRate, double[] tau, double[] gains, double endTime,
               double seconds, List<String> options, String failure) {
        boolean completed() {
            return score != null;
        }
    }

    private final PrintWriter err;
    private final int budget;
    private final MnistSearch search;
    private final List<Row> rows = new ArrayList<>();

    /** @param budget the candidate budget, for "candidate 3/10" */
    SearchProgress(PrintWriter err, int budget, MnistSearch search) {
        this.err = err;
        this.budget = budget;
        this.search = search;
    }

    @Override
    public synchronized void onCandidateStatusChange(CandidateInfo info, IOptimizationRunner runner,
                                                     OptimizationResult result) {
        if (info.getCandidateStatus() == CandidateStatus.Complete && result != null) {
            MultiLayerConfiguration conf = ((DL4JConfiguration) result.getCandidate().getValue())
                    .getMultiLayerConfiguration();
            ConnectomeOdeLayer ode = MnistSearch.odeLayer(conf);
            double seconds = (info.getEndTime() - info.getStartTime()) / 1e3;
            Row row = new Row(info.getIndex(), result.getScore(), MnistSearch.learningRate(conf),
                    ode.getConnectome().typeTaus(), ode.getTypePairGainInit(), ode.getEndTime(), seconds,
                    search.options(conf), null);
            rows.add(row);
            err.println(String.format(Locale.ROOT, "candidate %d (%d/%d): validation accuracy %.4f in %.0f s  %s",
                    row.index(), rows.size(), budget, row.score(), seconds, describe(row)));
        } else if (info.getCandidateStatus() == CandidateStatus.Failed) {
            String trace = info.getExceptionStackTrace();
            String failure = trace == null ? "unknown error" : trace.lines().findFirst().orElse(trace);
            rows.add(new Row(info.getIndex(), null, Double.NaN, null, null, Double.NaN, Double.NaN, null, failure));
            err.println("candidate " + info.getIndex() + " (" + rows.size() + "/" + budget + ") failed: " + failure);
        }
        err.flush();
    }

    /** The finished candidates in the order they finished. */
    synchronized List<Row> rows() {
        return new ArrayList<>(rows);
    }

    /** The completed candidates, best first (ties: the earlier candidate first). */
    synchronized List<Row> ranked() {
        List<Row> done = new ArrayList<>();
        for (Row r : rows) {
            if (r.completed()) {
                done.add(r);
            }
        }
        done.sort(Comparator.comparingDouble((Row r) -> -r.score()).thenComparingInt(Row::index));
        return done;
    }

    /** "lr 0.0021, tau 1.3, gain 0.85, t1 3": a summary of a candidate's hyperparameters. */
    static String describe(Row r) {
        return String.format(Locale.ROOT, "lr %.3g, tau %s, gain %s, t1 %.3g", r.learningRate(), summary(r.tau()),
                r.gains() == null ? "-" : summary(r.gains()), r.endTime());
    }

    /** One value when all are equal, else "mean [min, max]". */
    static String summary(double[] v) {
        double[] s = SearchCommand.stats(v);
        return s[1] == s[2] ? String.format(Locale.ROOT, "%.3g", s[1])
                : String.format(Locale.ROOT, "%.3g [%.3g, %.3g]", s[0], s[1], s[2]);
    }
}
