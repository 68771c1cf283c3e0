package org.dl4jconnectome.samples;

import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.dl4jconnectome.zoo.Mnist;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The digits of {@code search}, as an Arbiter data source (Arbiter creates it by class, hence public with a public
 * no-argument constructor): a candidate trains on the first training digits and is scored on the last ones, which
 * it never trains on (how many of each: the properties {@value #TRAIN} and {@value #VALIDATION}). The test split is
 * never seen by the search, so that the test accuracy of the configuration it picks is not biased by the picking.
 */
public final class MnistSearchData implements DataSource {
    private static final long serialVersionUID = 1L;

    /** Property: how many of the first training digits a candidate trains on. */
    static final String TRAIN = "train";
    /** Property: how many of the last training digits score a candidate. */
    static final String VALIDATION = "validation";
    /** Property: the mini-batch size. */
    static final String BATCH = "batch";

    private int train;
    private int validation;
    private int batch;

    /** Arbiter's way of creating a data source; {@link #configure} then sets it up. */
    public MnistSearchData() {
    }

    /** The properties of a search that trains on {@code train} digits and scores on {@code validation} others. */
    static Properties properties(int train, int validation, int batch) {
        if (train < 1 || validation < 1 || train + validation > Mnist.TRAIN_SIZE || batch < 1) {
            throw new IllegalArgumentException("train = " + train + ", validation = " + validation + ", batch = "
                    + batch + ": expected train, validation >= 1 with train + validation <= " + Mnist.TRAIN_SIZE
                    + " and batch >= 1");
        }
        Properties p = new Properties();
        p.setProperty(TRAIN, Integer.toString(train));
        p.setProperty(VALIDATION, Integer.toString(validation));
        p.setProperty(BATCH, Integer.toString(batch));
        return p;
    }

    @Override
    public void configure(Properties properties) {
        train = Integer.parseInt(properties.getProperty(TRAIN));
        validation = Integer.parseInt(properties.getProperty(VALIDATION));
        batch = Integer.parseInt(properties.getProperty(BATCH));
    }

    @Override
    public Object trainData() {
        return Digits.MNIST.iterator(0, train, batch);
    }

    @Override
    public Object testData() {
        return Digits.MNIST.iterator(Mnist.TRAIN_SIZE - validation, Mnist.TRAIN_SIZE, batch);
    }

    @Override
    public Class<?> getDataType() {
        return DataSetIterator.class;
    }

    /** The bundled digits, read once per JVM (Arbiter creates a data source for every candidate and every score). */
    private static final class Digits {
        static final Mnist MNIST = read();

        private static Mnist read() {
            try {
                return Mnist.bundled();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
