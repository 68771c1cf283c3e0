package org.dl4jconnectome.samples;

import org.dl4jconnectome.connectome.CsrMatrix;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The pictures of the samples (the tutorial's two, the search's scores), drawn with XChart and saved as PNG. */
final class Charts {
    /** Tick labels are shown on every {@value}-th neuron of a heatmap axis labelled by index. */
    static final int INDEX_LABEL_STRIDE = 10;

    private Charts() {
    }

    /**
     * A heatmap of |A[i][j]| for the given neurons, i (postsynaptic, receiving) down the rows from the top as in a
     * printed matrix and j (presynaptic, sending) along the columns.
     *
     * @param labels tick label per neuron, or null to label every {@value #INDEX_LABEL_STRIDE}th by its index
     */
    static void weightHeatmap(CsrMatrix synapses, int[] neurons, String[] labels, String title, Path file)
            throws IOException {
        int n = neurons.length;
        List<String> xLabels = new ArrayList<>(n);
        List<String> yLabels = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            xLabels.add(tickLabel(neurons, labels, k));
            yLabels.add(tickLabel(neurons, labels, n - 1 - k));
        }
        Map<Integer, Integer> position = new HashMap<>();
        for (int k = 0; k < n; k++) {
            position.put(neurons[k], k);
        }
        int[] rowPtr = synapses.rowPointers();
        int[] col = synapses.columnIndices();
        double[] values = synapses.values();
        double max = 0;
        // Only stored synapses are drawn, so that even the weakest one stands out from the white background.
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            for (int s = rowPtr[neurons[r]]; s < rowPtr[neurons[r] + 1]; s++) {
                Integer c = position.get(col[s]);
                if (c != null) {
                    double w = Math.abs(values[s]);
                    max = Math.max(max, w);
                    // XChart's y categories run upwards: row r goes to category n-1-r so that row 0 is on top.
                    cells.add(new Number[] {c, n - 1 - r, w});
                }
            }
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(900).height(860).title(title)
                .xAxisTitle("presynaptic (sending) neuron j").yAxisTitle("postsynaptic (receiving) neuron i")
                .build();
        HeatMapStyler style = chart.getStyler();
        style.setRangeColors(new Color[] {new Color(0xC6DBEF), new Color(0x4292C6), new Color(0x08306B)});
        style.setMin(0);
        // XChart prints the legend's bounds unformatted: a two-digit bound reads better than 144.0909090909091.
        style.setMax(max > 0 ? new BigDecimal(max).round(new MathContext(2, RoundingMode.UP)).doubleValue() : 1);
        style.setPlotGridLinesVisible(false);
        style.setPlotContentSize(1.0);
        style.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, labels == null ? 11 : 9));
        style.setXAxisLabelRotation(labels == null ? 0 : 90);
        style.setChartBackgroundColor(Color.WHITE);
        style.setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.addSeries("|weight|", xLabels, yLabels, cells);
        save(chart, file);
    }

    private static String tickLabel(int[] neurons, String[] labels, int k) {
        if (labels != null) {
            return labels[k];
        }
        // Blank labels are distinct strings so that XChart keeps one category per neuron.
        return neurons[k] % INDEX_LABEL_STRIDE == 0 ? Integer.toString(neurons[k]) : " ".repeat(k + 1);
    }

    /**
     * Activity traces over time, one line per neuron.
     *
     * @param activity activity[k][p]: neuron k at time times[p]
     */
    static void activityTraces(double[] times, double[][] activity, String[] names, String title, Path file)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(1100).height(650).title(title).xAxisTitle("time t")
                .yAxisTitle("activity h(t)").build();
        XYStyler style = chart.getStyler();
        style.setLegendPosition(Styler.LegendPosition.OutsideE);
        style.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        style.setChartBackgroundColor(Color.WHITE);
        style.setPlotGridLinesColor(new Color(0xDDDDDD));
        style.setMarkerSize(4);
        style.setXAxisDecimalPattern("0.##");
        for (int k = 0; k < activity.length; k++) {
            XYSeries s = chart.addSeries(names[k], times, activity[k]);
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        save(chart, file);
    }

    /**
     * The score of every candidate of a search, in the order they ran, with the best score so far as a step line.
     *
     * @param index  candidate indices
     * @param scores their scores (validation accuracy)
     */
    static void searchScores(int[] index, double[] scores, String title, Path file) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(550).title(title).xAxisTitle("candidate")
                .yAxisTitle("validation accuracy").build();
        XYStyler style = chart.getStyler();
        style.setChartBackgroundColor(Color.WHITE);
        style.setPlotGridLinesColor(new Color(0xDDDDDD));
        style.setLegendPosition(Styler.LegendPosition.InsideSE);
        style.setXAxisDecimalPattern("0");
        style.setYAxisDecimalPattern("0.000");
        double[] x = new double[index.length];
        double[] best = new double[index.length];
        for (int i = 0; i < index.length; i++) {
            x[i] = index[i];
            best[i] = i == 0 ? scores[i] : Math.max(best[i - 1], scores[i]);
        }
        XYSeries candidates = chart.addSeries("candidate", x, scores);
        candidates.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        candidates.setMarker(SeriesMarkers.CIRCLE);
        XYSeries bestSoFar = chart.addSeries("best so far", x, best);
        bestSoFar.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Step);
        bestSoFar.setMarker(SeriesMarkers.NONE);
        save(chart, file);
    }

    private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
