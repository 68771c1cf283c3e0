package org.dl4jconnectome.arbiter;

import org.deeplearning4j.arbiter.layers.LayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.util.LeafUtils;
import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.layer.ConnectomeOdeLayer;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An Arbiter layer space for {@link ConnectomeOdeLayer}: the hyperparameters of a connectome model around a template
 * layer, which supplies everything that is not searched (the connectome's structure and magnitudes, the input
 * projection, the readout, the solver method, the evaluation points, DL4J's per-layer settings), copied through
 * {@link ConnectomeOdeLayer#toBuilder()}.
 * <p>
 * Searchable, each optional (unset: the template's value):
 * <ul>
 * <li>the time constant of each neuron type ({@link Builder#typeTau}), or one scale applied to all of the template
 * connectome's time constants ({@link Builder#tauScale});</li>
 * <li>the initial type-pair gains, one for all pairs ({@link Builder#typePairGainInit}) or one per (postsynaptic,
 * presynaptic) type pair ({@link Builder#typePairGainInitPerPair}); setting either turns the gains on;</li>
 * <li>the fixed solver steps per interval, the end t1 of the time span, the lower bound τ_min of the time
 * constants;</li>
 * <li>whether τ, the gains, the synapse magnitudes, the bias and the input weights are trained.</li>
 * </ul>
 * Per-type values are {@link DoubleArraySpace}s, which report their entries to Arbiter as hyperparameters. The space
 * composes with Arbiter's {@code MultiLayerSpace} and {@code ComputationGraphSpace} like Arbiter's own layer spaces
 * and goes through their JSON and YAML. {@link Builder#build()} rejects bounds outside what the layer accepts (τ below
 * τ_min, negative gains, fewer than one step, an end time not after the start, fixed steps that are unstable for the
 * smallest τ_min) for every space whose bounds are known before the search (fixed values, Arbiter's continuous,
 * integer and discrete spaces); the values of other spaces are checked candidate by candidate, as the layer's own
 * {@code build()} does.
 */
public class ConnectomeOdeLayerSpace extends LayerSpace<ConnectomeOdeLayer> {
    @JsonProperty
    private ConnectomeOdeLayer template;
    @JsonProperty
    private ParameterSpace<double[]> typeTau;
    @JsonProperty
    private ParameterSpace<Double> tauScale;
    @JsonProperty
    private ParameterSpace<double[]> typePairGainInit;
    @JsonProperty
    private ParameterSpace<Integer> stepsPerInterval;
    @JsonProperty
    private ParameterSpace<Double> endTime;
    @JsonProperty
    private ParameterSpace<Double> tauMin;
    @JsonProperty
    private ParameterSpace<Boolean> trainTau;
    @JsonProperty
    private ParameterSpace<Boolean> trainTypePairGains;
    @JsonProperty
    private ParameterSpace<Boolean> trainSynapses;
    @JsonProperty
    private ParameterSpace<Boolean> trainBias;
    @JsonProperty
    private ParameterSpace<Boolean> trainInputWeights;

    /** For Jackson (JSON and YAML). */
    protected ConnectomeOdeLayerSpace() {
    }

    private ConnectomeOdeLayerSpace(Builder b, ParameterSpace<double[]> typeTau,
                                    ParameterSpace<double[]> typePairGainInit) {
        super(b);
        this.template = b.template;
        this.typeTau = typeTau;
        this.tauScale = b.tauScale;
        this.typePairGainInit = typePairGainInit;
        this.stepsPerInterval = b.stepsPerInterval;
        this.endTime = b.endTime;
        this.tauMin = b.tauMin;
        this.trainTau = b.trainTau;
        this.trainTypePairGains = b.trainTypePairGains;
        this.trainSynapses = b.trainSynapses;
        this.trainBias = b.trainBias;
        this.trainInputWeights = b.trainInputWeights;
        this.numParameters = LeafUtils.countUniqueParameters(collectLeaves());
    }

    /**
     * The layer of one candidate: the template with the candidate's values.
     *
     * @throws IllegalArgumentException if the candidate's values make an invalid layer (possible only for spaces
     *                                  whose bounds {@link Builder#build()} could not check), naming the setting
     */
    @Override
    public ConnectomeOdeLayer getValue(double[] values) {
        try {
            ConnectomeOdeLayer.Builder b = template.toBuilder();
            setLayerOptionsBuilder(b, values);
            Connectome c = template.getConnectome();
            double[] tau = null;
            if (typeTau != null) {
                tau = typeTau.getValue(values);
            } else if (tauScale != null) {
                double s = tauScale.getValue(values);
                tau = c.typeTaus();
                for (int t = 0; t < tau.length; t++) {
                    tau[t] *= s;
                }
            }
            if (tau != null) {
                b.connectome(c.toBuilder().typeTau(tau).build());
            }
            if (typePairGainInit != null) {
                b.typePairGainInit(typePairGainInit.getValue(values));
            }
            if (stepsPerInterval != null) {
                b.stepsPerInterval(stepsPerInterval.getValue(values));
            }
            if (endTime != null) {
                b.timeSpan(template.getStartTime(), endTime.getValue(values));
            }
            if (tauMin != null) {
                b.tauMin(tauMin.getValue(values));
            }
            if (trainTau != null) {
                b.trainTau(trainTau.getValue(values));
            }
            if (trainTypePairGains != null) {
                b.trainTypePairGains(trainTypePairGains.getValue(values));
            }
            if (trainSynapses != null) {
                b.trainSynapses(trainSynapses.getValue(values));
            }
            if (trainBias != null) {
                b.trainBias(trainBias.getValue(values));
            }
            if (trainInputWeights != null) {
                b.trainInputWeights(trainInputWeights.getValue(values));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ConnectomeOdeLayerSpace: invalid candidate: " + e.getMessage(), e);
        }
    }

    /** The layer every candidate starts from. */
    public ConnectomeOdeLayer getTemplate() {
        return template;
    }

    /** The per-type time constants' space, or null. */
    public ParameterSpace<double[]> getTypeTau() {
        return typeTau;
    }

    /** The space of the scale applied to the template's time constants, or null. */
    public ParameterSpace<Double> getTauScale() {
        return tauScale;
    }

    /** The initial type-pair gains' space (K×K entries, row-major [post type][pre type]), or null. */
    public ParameterSpace<double[]> getTypePairGainInit() {
        return typePairGainInit;
    }

    public ParameterSpace<Integer> getStepsPerInterval() {
        return stepsPerInterval;
    }

    public ParameterSpace<Double> getEndTime() {
        return endTime;
    }

    public ParameterSpace<Double> getTauMin() {
        return tauMin;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ConnectomeOdeLayerSpace) || !super.equals(o)) {
            return false;
        }
        ConnectomeOdeLayerSpace s = (ConnectomeOdeLayerSpace) o;
        return Objects.equals(template, s.template) && Objects.equals(typeTau, s.typeTau)
                && Objects.equals(tauScale, s.tauScale) && Objects.equals(typePairGainInit, s.typePairGainInit)
                && Objects.equals(stepsPerInterval, s.stepsPerInterval) && Objects.equals(endTime, s.endTime)
                && Objects.equals(tauMin, s.tauMin) && Objects.equals(trainTau, s.trainTau)
                && Objects.equals(trainTypePairGains, s.trainTypePairGains)
                && Objects.equals(trainSynapses, s.trainSynapses) && Objects.equals(trainBias, s.trainBias)
                && Objects.equals(trainInputWeights, s.trainInputWeights);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), template, typeTau, tauScale, typePairGainInit, stepsPerInterval, endTime,
                tauMin);
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        add(parts, "typeTau", typeTau);
        add(parts, "tauScale", tauScale);
        add(parts, "typePairGainInit", typePairGainInit);
        add(parts, "stepsPerInterval", stepsPerInterval);
        add(parts, "endTime", endTime);
        add(parts, "tauMin", tauMin);
        add(parts, "trainTau", trainTau);
        add(parts, "trainTypePairGains", trainTypePairGains);
        add(parts, "trainSynapses", trainSynapses);
        add(parts, "trainBias", trainBias);
        add(parts, "trainInputWeights", trainInputWeights);
        String base = super.toString();
        if (!base.isEmpty()) {
            parts.add(base);
        }
        return "ConnectomeOdeLayerSpace(" + String.join(", ", parts) + ")";
    }

    private static void add(List<String> parts, String name, ParameterSpace<?> space) {
        if (space != null) {
            parts.add(name + ": " + space);
        }
    }

    /**
     * Builder of {@link ConnectomeOdeLayerSpace}; {@link #template} is required, every space is optional and defaults
     * to the template's fixed value.
     */
    public static class Builder extends LayerSpace.Builder<Builder> {
        private ConnectomeOdeLayer template;
        private ParameterSpace<double[]> typeTau;
        private double[] typeTauRange;
        private ParameterSpace<Double> tauScale;
        private ParameterSpace<Double> sharedGain;
        private ParameterSpace<double[]> pairGains;
        private double[] pairGainRange;
        private ParameterSpace<Integer> stepsPerInterval;
        private ParameterSpace<Double> endTime;
        private ParameterSpace<Double> tauMin;
        private ParameterSpace<Boolean> trainTau;
        private ParameterSpace<Boolean> trainTypePairGains;
        private ParameterSpace<Boolean> trainSynapses;
        private ParameterSpace<Boolean> trainBias;
        private ParameterSpace<Boolean> trainInputWeights;

        /** The layer whose settings every candidate starts from. Required. */
        public Builder template(ConnectomeOdeLayer template) {
            this.template = template;
            return this;
        }

        /**
         * The time constant of each neuron type: an array space with one entry per type of the template's connectome
         * (e.g. {@link DoubleArraySpace#logUniform}). Default: the template connectome's τ.
         */
        public Builder typeTau(ParameterSpace<double[]> perType) {
            this.typeTau = perType;
            this.typeTauRange = null;
            return this;
        }

        /**
         * One independent time constant per neuron type, each log-uniform in [min, max] (the number of types comes
         * from the template). Default: the template connectome's τ.
         */
        public Builder typeTauRange(double min, double max) {
            this.typeTauRange = new double[] {min, max};
            this.typeTau = null;
            return this;
        }

        /**
         * One factor applied to every time constant of the template's connectome (which keeps their ratios), an
         * alternative to {@link #typeTau}. Default: none (factor 1).
         */
        public Builder tauScale(ParameterSpace<Double> scale) {
            this.tauScale = scale;
            return this;
        }

        /**
         * One initial gain shared by every type pair (a single hyperparameter); turns the gains on. Default: the
         * template's gains.
         */
        public Builder typePairGainInit(ParameterSpace<Double> shared) {
            this.sharedGain = shared;
            return this;
        }

        /**
         * One initial gain per (postsynaptic type, presynaptic type) pair: an array space of K×K entries, row-major;
         * turns the gains on. Default: the template's gains.
         */
        public Builder typePairGainInitPerPair(ParameterSpace<double[]> perPair) {
            this.pairGains = perPair;
            this.pairGainRange = null;
            return this;
        }

        /**
         * One independent initial gain per type pair, each uniform in [min, max] (K×K from the template); turns the
         * gains on. Default: the template's gains.
         */
        public Builder typePairGainInitPerPairRange(double min, double max) {
            this.pairGainRange = new double[] {min, max};
            this.pairGains = null;
            return this;
        }

        /** Fixed solver steps between consecutive evaluation points (≥ 1). Default: the template's. */
        public Builder stepsPerInterval(ParameterSpace<Integer> steps) {
            this.stepsPerInterval = steps;
            return this;
        }

        /** End t1 of the time span (after the template's start t0). Default: the template's. */
        public Builder endTime(ParameterSpace<Double> endTime) {
            this.endTime = endTime;
            return this;
        }

        /** Lower bound τ_min of the time constants (&gt; 0). Default: the template's. */
        public Builder tauMin(ParameterSpace<Double> tauMin) {
            this.tauMin = tauMin;
            return this;
        }

        /** Whether τ is trained (e.g. Arbiter's {@code BooleanSpace}). Default: the template's. */
        public Builder trainTau(ParameterSpace<Boolean> train) {
            this.trainTau = train;
            return this;
        }

        /** Whether the type-pair gains are trained. Default: the template's. */
        public Builder trainTypePairGains(ParameterSpace<Boolean> train) {
            this.trainTypePairGains = train;
            return this;
        }

        /** Whether the synapse magnitudes are trained. Default: the template's. */
        public Builder trainSynapses(ParameterSpace<Boolean> train) {
            this.trainSynapses = train;
            return this;
        }

        /** Whether the bias is trained. Default: the template's. */
        public Builder trainBias(ParameterSpace<Boolean> train) {
            this.trainBias = train;
            return this;
        }

        /** Whether the input weights are trained. Default: the template's. */
        public Builder trainInputWeights(ParameterSpace<Boolean> train) {
            this.trainInputWeights = train;
            return this;
        }

        /**
         * Validates the spaces against the template and against each other and builds the space.
         *
         * @throws IllegalArgumentException naming the setting, the offending bound and what was expected
         */
        @Override
        @SuppressWarnings("unchecked")
        public ConnectomeOdeLayerSpace build() {
            if (template == null) {
                throw fail("template is not set: the space varies a template ConnectomeOdeLayer");
            }
            if ((typeTau != null || typeTauRange != null) && tauScale != null) {
                throw fail("typeTau and tauScale are both set: choose per-type time constants or one scale");
            }
            if (sharedGain != null && (pairGains != null || pairGainRange != null)) {
                throw fail("typePairGainInit and typePairGainInitPerPair are both set: choose one gain for all "
                        + "pairs or one per pair");
            }
            int k = template.getConnectome().numTypes();
            ParameterSpace<double[]> tau = typeTau;
            if (typeTauRange != null) {
                checkRange("typeTauRange", typeTauRange);
                if (!(typeTauRange[0] > 0)) {
                    throw fail("typeTauRange [" + typeTauRange[0] + ", " + typeTauRange[1]
                            + "]: expected time constants > 0");
                }
                tau = DoubleArraySpace.logUniform(k, typeTauRange[0], typeTauRange[1]);
            }
            ParameterSpace<double[]> gains = pairGains;
            if (pairGainRange != null) {
                checkRange("typePairGainInitPerPairRange", pairGainRange);
                gains = DoubleArraySpace.uniform(k * k, pairGainRange[0], pairGainRange[1]);
            } else if (sharedGain != null) {
                gains = DoubleArraySpace.shared(k * k, sharedGain);
            }
            checkLength("typeTau", tau, k, "one per neuron type");
            checkLength("typePairGainInitPerPair", gains, k * k, "K x K = " + k + " x " + k);
            checkBounds(tau, gains);
            return new ConnectomeOdeLayerSpace(this, tau, gains);
        }

        private void checkBounds(ParameterSpace<double[]> tau, ParameterSpace<double[]> gains) {
            double[] tauMinBounds = bounds(tauMin, template.getTauMin());
            if (tauMinBounds != null && !(tauMinBounds[0] > 0 && Double.isFinite(tauMinBounds[1]))) {
                throw fail("tauMin " + range(tauMinBounds) + ": expected finite values > 0");
            }
            double[] tauBounds = tauBounds(tau);
            if (tauBounds != null && tauMinBounds != null && !(tauBounds[0] >= tauMinBounds[1])) {
                throw fail((tau != null ? "typeTau" : tauScale != null ? "tauScale" : "the template's tau") + " "
                        + "gives time constants " + range(tauBounds) + ", below tauMin" + (tauMin != null
                        ? " (up to " + tauMinBounds[1] + ")" : " = " + tauMinBounds[1])
                        + ": expected every tau >= every tauMin");
            }
            double[] gainBounds = gains instanceof DoubleArraySpace ? SpaceBounds.ofEntries((DoubleArraySpace) gains)
                    : null;
            if (gainBounds != null && !(gainBounds[0] >= 0 && Double.isFinite(gainBounds[1]))) {
                throw fail((sharedGain != null ? "typePairGainInit" : "typePairGainInitPerPair") + " "
                        + range(gainBounds) + ": expected finite gains >= 0");
            }
            double[] steps = bounds(stepsPerInterval, template.getSolver().stepsPerInterval());
            if (steps != null && !(steps[0] >= 1)) {
                throw fail("stepsPerInterval " + range(steps) + ": expected at least 1 step");
            }
            double t0 = template.getStartTime();
            double[] end = bounds(endTime, template.getEndTime());
            if (end != null && !(end[0] > t0 && Double.isFinite(end[1]))) {
                throw fail("endTime " + range(end) + ": expected finite times after the start t0 = " + t0);
            }
            if (steps != null && end != null && tauMinBounds != null) {
                checkStability(steps[0], end[1], tauMinBounds[0]);
            }
        }

        /** The time constants' range over the space, or null when unknown before the search. */
        private double[] tauBounds(ParameterSpace<double[]> tau) {
            double[] taus = template.getConnectome().typeTaus();
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double t : taus) {
                lo = Math.min(lo, t);
                hi = Math.max(hi, t);
            }
            if (tau != null) {
                return tau instanceof DoubleArraySpace ? SpaceBounds.ofEntries((DoubleArraySpace) tau) : null;
            }
            if (tauScale != null) {
                double[] s = SpaceBounds.of(tauScale);
                if (s == null) {
                    return null;
                }
                if (!(s[0] > 0 && Double.isFinite(s[1]))) {
                    throw fail("tauScale " + range(s) + ": expected finite factors > 0");
                }
                return new double[] {s[0] * lo, s[1] * hi};
            }
            return new double[] {lo, hi};
        }

        /** The layer's stability rule (fixed steps stable for τ down to τ_min) at the worst corner of the box. */
        private void checkStability(double fewestSteps, double latestEnd, double smallestTauMin) {
            double interval = (latestEnd - template.getStartTime()) / (template.getNumEvaluationPoints() - 1);
            double step = interval / fewestSteps;
            double limit = template.getSolver().method().realStabilityLimit();
            if (step / smallestTauMin > limit) {
                throw fail(String.format(Locale.ROOT, "endTime up to %s with stepsPerInterval from %d gives "
                                + "fixed steps of %s time units, unstable for tauMin down to %s (%s needs "
                                + "step/tau <= %.3f): raise the lowest stepsPerInterval to %d, lower endTime or "
                                + "raise tauMin", latestEnd, (long) fewestSteps, step, smallestTauMin,
                        template.getSolver().method().name(), limit,
                        (long) Math.ceil(interval / (limit * smallestTauMin))));
            }
        }

        private static double[] bounds(ParameterSpace<?> space, double templateValue) {
            return space == null ? new double[] {templateValue, templateValue} : SpaceBounds.of(space);
        }

        private static void checkLength(String name, ParameterSpace<double[]> space, int expected, String what) {
            if (space instanceof DoubleArraySpace && ((DoubleArraySpace) space).length() != expected) {
                throw fail(name + " has " + ((DoubleArraySpace) space).length() + " entries, expected " + expected
                        + " (" + what + ")");
            }
        }

        private static void checkRange(String name, double[] r) {
            if (!Double.isFinite(r[0]) || !Double.isFinite(r[1]) || !(r[1] > r[0])) {
                throw fail(name + " [" + r[0] + ", " + r[1] + "]: expected finite bounds with min < max (a fixed "
                        + "value belongs in the template)");
            }
        }

        private static String range(double[] b) {
            return b[0] == b[1] ? "= " + b[0] : "[" + b[0] + ", " + b[1] + "]";
        }

        private static IllegalArgumentException fail(String message) {
            return new IllegalArgumentException("ConnectomeOdeLayerSpace: " + message);
        }
    }
}
