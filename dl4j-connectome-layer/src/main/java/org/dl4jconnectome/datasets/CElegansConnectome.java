package org.dl4jconnectome.datasets;

import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.dl4jconnectome.connectome.Connectome;
import org.dl4jconnectome.connectome.CsrMatrix;
import org.dl4jconnectome.connectome.NegativeWeightPolicy;
import org.dl4jconnectome.connectome.NeuronTypes;
import org.dl4jconnectome.connectome.Nonlinearity;

/**
 * The chemical-synapse connectome of the C. elegans hermaphrodite: the wiring of Varshney, Chen, Paniagua, Hall and
 * Chklovskii, "Structural properties of the Caenorhabditis elegans neuronal network", PLoS Comput Biol 7:e1001066
 * (2011), with WormAtlas neurotransmitter labels, as compiled in OpenWorm c302's {@code CElegansNeuronTables.xls}
 * (Gleeson et al., Phil. Trans. R. Soc. B 373:20170379, 2018). The bundled CSV exports of its sheets and a README
 * are under {@code org/dl4jconnectome/datasets/celegans/}.
 * <ul>
 * <li><b>Neurons</b>: the 299 neurons the "Connectome" sheet names, ordered by name with digit runs compared as
 * numbers (AS1, AS2, …, AS10).</li>
 * <li><b>Synapses</b>: the 2,279 rows of type "Send" (chemical), presynaptic Origin onto postsynaptic Target, with
 * magnitude "Number of Connections" (6,465 synapses in all). No (Origin, Target) pair repeats, so each row is one
 * matrix entry. Gap junctions are left out: they couple neurons symmetrically by their voltage difference, which the
 * rate model's signed synaptic drive does not represent.</li>
 * <li><b>Signs</b> ({@link #transmitterSign}): −1 for rows whose presynaptic transmitter is GABA, +1 for every other
 * transmitter. Glutamate, which acts through both excitatory (AMPA-type) and inhibitory (GluCl) receptors in C.
 * elegans, counts as excitatory, and so do the modulatory monoamines and FMRFamide peptides. The connectome is in
 * signed-edge mode ({@link NegativeWeightPolicy#SIGNED_EDGES}), so a type need not have one sign (RMED and RMEV are
 * GABAergic, RMEL and RMER send no chemical synapses in this sheet).</li>
 * <li><b>Types</b>: the anatomical neuron class ({@link #typeNames()}, 117 classes: the 118 of WormAtlas without
 * CAN, which has no synapses here). A name is reduced in three steps: (1) two letters followed only by digits (AS1,
 * DA9, VD13) become the two letters; otherwise (2) a trailing L or R is removed when the neuron with the other side
 * letter exists (ADAL and ADAR give ADA; AVL, PVR and RIR keep theirs), then (3) a trailing D or V is removed when
 * at least three characters remain and names with the other letter also exist (CEPDL, CEPVR give CEP; RMED, RMEL
 * give RME; RID and RIV stay apart).</li>
 * <li><b>Dynamics</b>: τ = {@link #DEFAULT_TAU} and nonlinearity {@link #DEFAULT_NONLINEARITY} for every type;
 * derive other values with {@code connectome().toBuilder()}, which keeps the neuron order.</li>
 * </ul>
 * Immutable; {@link #load()} parses the bundled data once.
 */
public final class CElegansConnectome {
    /** τ of every type. */
    public static final double DEFAULT_TAU = 1.0;
    /** The nonlinearity of every type. */
    public static final Nonlinearity DEFAULT_NONLINEARITY = Nonlinearity.SIGMOID;

    static final String CONNECTOME_CSV = "celegans/varshney_connectome_nt.csv";
    static final String SENSORY_CSV = "celegans/varshney_sensory.csv";
    static final String MUSCLE_CSV = "celegans/varshney_neurons_to_muscle_nt.csv";

    /** Orders names by their letters, comparing runs of digits as numbers. */
    private static final Comparator<String> NATURAL_ORDER = CElegansConnectome::compareNatural;

    private final Connectome connectome;
    private final List<String> neuronNames;
    private final Map<String, Integer> neuronIndex;
    private final List<String> typeNames;
    private final String[] transmitters;
    private final int[] sensory;
    private final int[] motor;

    private CElegansConnectome() {
        CsvTable sheet = CsvTable.read(CONNECTOME_CSV);
        int cOrigin = sheet.column("Origin");
        int cTarget = sheet.column("Target");
        int cType = sheet.column("Type");
        int cCount = sheet.column("Number of Connections");
        int cTransmitter = sheet.column("Neurotransmitter");

        Set<String> names = new TreeSet<>(NATURAL_ORDER);
        for (String[] row : sheet.rows()) {
            names.add(row[cOrigin]);
            names.add(row[cTarget]);
        }
        neuronNames = List.copyOf(names);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < neuronNames.size(); i++) {
            index.put(neuronNames.get(i), i);
        }
        neuronIndex = Map.copyOf(index);
        int n = neuronNames.size();

        int rows = sheet.rows().size();
        int[] post = new int[rows];
        int[] pre = new int[rows];
        double[] values = new double[rows];
        int m = 0;
        transmitters = new String[n];
        for (String[] row : sheet.rows()) {
            if ("Send".equals(row[cType])) {
                post[m] = neuronIndex.get(row[cTarget]);
                pre[m] = neuronIndex.get(row[cOrigin]);
                values[m] = transmitterSign(row[cTransmitter]) * Double.parseDouble(row[cCount]);
                transmitters[pre[m]] = row[cTransmitter];
                m++;
            }
        }

        String[] classOf = anatomicalClasses(neuronNames);
        Set<String> classes = new TreeSet<>(NATURAL_ORDER);
        classes.addAll(Arrays.asList(classOf));
        typeNames = List.copyOf(classes);
        int[] typeIds = new int[n];
        for (int i = 0; i < n; i++) {
            typeIds[i] = typeNames.indexOf(classOf[i]);
        }
        int k = typeNames.size();
        double[] tau = new double[k];
        Arrays.fill(tau, DEFAULT_TAU);
        CsrMatrix synapses = CsrMatrix.fromCoo(n, n, Arrays.copyOf(post, m), Arrays.copyOf(pre, m),
                Arrays.copyOf(values, m));
        connectome = Connectome.builder()
                .name("C. elegans hermaphrodite chemical synapses (Varshney et al. 2011)")
                .synapses(synapses)
                .negativeWeights(NegativeWeightPolicy.SIGNED_EDGES)
                .neuronTypes(NeuronTypes.fromTypeIds(typeIds, k))
                .typeTau(tau)
                .typeNonlinearity(DEFAULT_NONLINEARITY)
                .typeNames(typeNames.toArray(new String[0]))
                .build();

        sensory = indicesOf(CsvTable.read(SENSORY_CSV), "Neuron");
        motor = indicesOf(CsvTable.read(MUSCLE_CSV), "Neuron");
    }

    /** The connectome (parsed on first use, then shared: it is immutable). */
    public static CElegansConnectome load() {
        return Holder.INSTANCE;
    }

    /**
     * The sign this data set gives a chemical synapse by its presynaptic transmitter label: −1 when the label (or
     * one part of a combined label such as "Serotonin_Acetylcholine") is GABA, +1 otherwise.
     */
    public static int transmitterSign(String transmitter) {
        Objects.requireNonNull(transmitter, "transmitter");
        for (String part : transmitter.split("_")) {
            if (part.equalsIgnoreCase("GABA")) {
                return -1;
            }
        }
        return 1;
    }

    /** Signed n per synapse (signed-edge mode), one type per anatomical class, τ = 1, sigmoid. */
    public Connectome connectome() {
        return connectome;
    }

    public int numNeurons() {
        return neuronNames.size();
    }

    /** The neuron names in index order. */
    public List<String> neuronNames() {
        return neuronNames;
    }

    /** The name of neuron i. */
    public String neuronName(int i) {
        return neuronNames.get(i);
    }

    /**
     * The index of a neuron by its name as the Varshney sheet writes it (e.g. "AVAL", "DA9"; not zero-padded).
     *
     * @throws IllegalArgumentException if no neuron has that name
     */
    public int indexOf(String neuronName) {
        Integer i = neuronIndex.get(neuronName);
        if (i == null) {
            throw new IllegalArgumentException("neuronName = '" + neuronName + "': no such neuron in the "
                    + numNeurons() + "-neuron Varshney connectome (names like AVAL, DA9, IL1DL)");
        }
        return i;
    }

    /** The anatomical class names, indexed by type id. */
    public List<String> typeNames() {
        return typeNames;
    }

    /**
     * The neurons of an anatomical class (e.g. "DD", "RME", "AVA"), ascending.
     *
     * @throws IllegalArgumentException if there is no such class
     */
    public int[] neuronsOfType(String typeName) {
        int t = typeNames.indexOf(typeName);
        if (t < 0) {
            throw new IllegalArgumentException("typeName = '" + typeName + "': expected one of the " + typeNames.size()
                    + " anatomical classes " + typeNames);
        }
        return connectome.types().indicesOf(t);
    }

    /** The transmitter label of neuron i's chemical synapses, or empty if it sends none. */
    public Optional<String> transmitter(int i) {
        return Optional.ofNullable(transmitters[i]);
    }

    /** The 86 neurons of the "Sensory" sheet, ascending: candidates for input neurons. */
    public int[] sensoryNeurons() {
        return sensory.clone();
    }

    /**
     * The 126 neurons with a neuromuscular synapse in the "NeuronsToMuscle" sheet, ascending: candidates for output
     * neurons. (The sheet also lists VC6, which the "Connectome" sheet does not name, so it is not a neuron here.)
     */
    public int[] motorNeurons() {
        return motor.clone();
    }

    @Override
    public String toString() {
        return "CElegansConnectome[" + numNeurons() + " neurons, " + connectome.numSynapses() + " chemical pairs, "
                + typeNames.size() + " classes]";
    }

    private int[] indicesOf(CsvTable table, String column) {
        int c = table.column(column);
        Set<Integer> found = new TreeSet<>();
        for (String[] row : table.rows()) {
            Integer i = neuronIndex.get(row[c]);
            if (i != null) {
                found.add(i);
            }
        }
        return found.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The anatomical class of every name (see the class Javadoc for the rule). */
    private static String[] anatomicalClasses(List<String> names) {
        Set<String> all = new HashSet<>(names);
        String[] out = new String[names.size()];
        for (int i = 0; i < out.length; i++) {
            String name = names.get(i);
            if (name.matches("[A-Z]{2}[0-9]+")) {
                out[i] = name.substring(0, 2);
            } else {
                out[i] = strip(name, 'L', 'R', 1, all);
            }
        }
        Set<String> sided = new HashSet<>(Arrays.asList(out));
        for (int i = 0; i < out.length; i++) {
            out[i] = strip(out[i], 'D', 'V', 3, sided);
        }
        return out;
    }

    /** Drops a last letter a or b when the name with the other letter is in {@code names}. */
    private static String strip(String name, char a, char b, int minKept, Set<String> names) {
        int last = name.length() - 1;
        char ch = name.charAt(last);
        if (last < minKept || ch != a && ch != b) {
            return name;
        }
        String stem = name.substring(0, last);
        return names.contains(stem + (ch == a ? b : a)) ? stem : name;
    }

    private static int compareNatural(String x, String y) {
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            char cx = x.charAt(i);
            char cy = y.charAt(j);
            if (Character.isDigit(cx) && Character.isDigit(cy)) {
                int ei = i;
                int ej = j;
                while (ei < x.length() && Character.isDigit(x.charAt(ei))) {
                    ei++;
                }
                while (ej < y.length() && Character.isDigit(y.charAt(ej))) {
                    ej++;
                }
                int c = Long.compare(Long.parseLong(x.substring(i, ei)), Long.parseLong(y.substring(j, ej)));
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (cx != cy) {
                    return Character.compare(cx, cy);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(x.length() - i, y.length() - j);
        return c != 0 ? c : x.compareTo(y);
    }

    private static final class Holder {
        static final CElegansConnectome INSTANCE = new CElegansConnectome();
    }
}
