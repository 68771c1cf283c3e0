package org.dl4jconnectome.datasets;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A comma-separated table read from a classpath resource of this package: a header row, then data rows. Fields may
 * be double-quoted (with {@code ""} for a quote inside); quoted fields never span lines in the bundled files.
 */
final class CsvTable {
    private final String resource;
    private final Map<String, Integer> columns;
    private final List<String[]> rows;

    private CsvTable(String resource, Map<String, Integer> columns, List<String[]> rows) {
        this.resource = resource;
        this.columns = columns;
        this.rows = rows;
    }

    /**
     * Reads a resource relative to this package, e.g. {@code "celegans/varshney_sensory.csv"}.
     *
     * @throws UncheckedIOException if the resource is missing or unreadable: the library jar is incomplete
     */
    static CsvTable read(String resource) {
        try (InputStream in = open(resource);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String header = r.readLine();
            if (header == null) {
                throw new IllegalStateException("bundled resource " + resource + " is empty");
            }
            String[] names = split(header);
            Map<String, Integer> columns = new HashMap<>();
            for (int i = 0; i < names.length; i++) {
                columns.put(names[i], i);
            }
            List<String[]> rows = new ArrayList<>();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isEmpty()) {
                    String[] fields = split(line);
                    if (fields.length != names.length) {
                        throw new IllegalStateException("bundled resource " + resource + " row " + (rows.size() + 1)
                                + " has " + fields.length + " fields, expected " + names.length);
                    }
                    rows.add(fields);
                }
            }
            return new CsvTable(resource, columns, rows);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled resource " + resource, e);
        }
    }

    /** Opens a resource relative to this package; a missing one means the library was packaged without its data. */
    static InputStream open(String resource) {
        InputStream in = CsvTable.class.getResourceAsStream(resource);
        if (in == null) {
            throw new UncheckedIOException(new FileNotFoundException("classpath resource "
                    + CsvTable.class.getPackageName().replace('.', '/') + "/" + resource
                    + " is missing: the dl4j-connectome-layer jar is incomplete"));
        }
        return in;
    }

    /** The index of a header column. */
    int column(String name) {
        Integer c = columns.get(name);
        if (c == null) {
            throw new IllegalStateException("bundled resource " + resource + " has no column '" + name + "'");
        }
        return c;
    }

    /** The data rows (without the header); not to be modified. */
    List<String[]> rows() {
        return rows;
    }

    private static String[] split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch != '"') {
                    f.append(ch);
                } else if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else {
                    quoted = false;
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                fields.add(f.toString());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        fields.add(f.toString());
        return fields.toArray(new String[0]);
    }
}
