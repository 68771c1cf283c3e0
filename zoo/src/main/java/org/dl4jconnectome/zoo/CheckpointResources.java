package org.dl4jconnectome.zoo;

import java.io.InputStream;
import java.io.IOException;
import java.net.URL;

/**
 * Where the zoo's own files (the index, specs, provenances and the shipped checkpoints) are read: the classpath
 * folder {@value #FOLDER} next to this class. Tests substitute other folders, e.g. one without the checkpoint zips,
 * or the golden folders of earlier versions.
 */
interface CheckpointResources {
    /** The zoo's classpath folder, relative to this package. */
    String FOLDER = "checkpoints/";

    /** The zoo's files in this jar. */
    CheckpointResources CLASSPATH = classpath(FOLDER);

    /** The files of a classpath folder relative to this package (ending in '/'). */
    static CheckpointResources classpath(String folder) {
        return new CheckpointResources() {
            @Override
            public InputStream open(String name) {
                return CheckpointResources.class.getResourceAsStream(folder + name);
            }

            @Override
            public URL url(String name) {
                return CheckpointResources.class.getResource(folder + name);
            }
        };
    }

    /** The file's content, or null when there is no such file. */
    InputStream open(String name) throws IOException;

    /** Where the file is (for messages and {@code pretrainedUrl}), or null when there is no such file. */
    URL url(String name);
}
