package org.dl4jconnectome.samples;

import picocli.CommandLine;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;

/** The connectomes the samples can run on, as named on the command line. */
enum SampleConnectome {
    /** The fly optic lobe of Lappalainen et al. (2024), 65 cell types on a hexagonal column lattice. */
    FLYVIS("flyvis"),
    /** The C. elegans hermaphrodite chemical synapses (Varshney et al. 2011), 299 neurons in 117 classes. */
    CELEGANS("celegans"),
    /** The random 47,521-neuron, two-type connectome of bioplnn's tutorial. */
    SYNTHETIC("synthetic");

    private final String cliName;

    SampleConnectome(String cliName) {
        this.cliName = cliName;
    }

    @Override
    public String toString() {
        return cliName;
    }

    /** Parses a command-line name, case-insensitively, naming the accepted values on error. */
    static final class Converter implements CommandLine.ITypeConverter<SampleConnectome> {
        @Override
        public SampleConnectome convert(String value) {
            for (SampleConnectome c : values()) {
                if (c.cliName.equals(value.toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a connectome: expected one of "
                    + Arrays.toString(values()));
        }
    }

    /** The names of all connectomes, for help texts. */
    static final class AllNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(values()).map(SampleConnectome::toString).iterator();
        }
    }

    /** The names of the connectomes {@code train-mnist} accepts: the real, typed ones. */
    static final class TrainableNames implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.asList(FLYVIS.cliName, CELEGANS.cliName).iterator();
        }
    }
}
