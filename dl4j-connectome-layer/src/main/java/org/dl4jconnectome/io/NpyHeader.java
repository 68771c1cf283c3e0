package org.dl4jconnectome.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a {@code .npy} file: a Python dict literal with the keys {@code descr}, {@code fortran_order} and
 * {@code shape}. Parsing accepts the subset of Python literal syntax that NumPy (including very old versions, which
 * wrote {@code 3L} for Python 2 longs) puts there; anything else is reported rather than guessed.
 */
final class NpyHeader {
    final String descr;
    final boolean fortranOrder;
    final long[] shape;

    NpyHeader(String descr, boolean fortranOrder, long[] shape) {
        this.descr = descr;
        this.fortranOrder = fortranOrder;
        this.shape = shape;
    }

    /**
     * Parses the header text.
     *
     * @throws IllegalArgumentException saying what is wrong with the text
     */
    static NpyHeader parse(String text) {
        Object value = new Parser(text).parseAll();
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException("header is not a dict: " + abbreviate(text));
        }
        Map<?, ?> dict = (Map<?, ?>) value;
        for (Object key : dict.keySet()) {
            if (!"descr".equals(key) && !"fortran_order".equals(key) && !"shape".equals(key)) {
                throw new IllegalArgumentException("header has the unexpected key " + key
                        + ": expected only 'descr', 'fortran_order' and 'shape'");
            }
        }
        Object descr = dict.get("descr");
        Object fortran = dict.get("fortran_order");
        Object shape = dict.get("shape");
        if (!(descr instanceof String)) {
            throw new IllegalArgumentException("header 'descr' is " + describe(descr)
                    + ": expected a plain dtype string (structured dtypes are not supported)");
        }
        if (!(fortran instanceof Boolean)) {
            throw new IllegalArgumentException("header 'fortran_order' is " + describe(fortran)
                    + ": expected True or False");
        }
        if (!(shape instanceof Tuple)) {
            throw new IllegalArgumentException("header 'shape' is " + describe(shape) + ": expected a tuple");
        }
        List<Object> dims = ((Tuple) shape).items;
        long[] s = new long[dims.size()];
        for (int i = 0; i < s.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof BigInteger) || ((BigInteger) d).signum() < 0 || ((BigInteger) d).bitLength() > 62) {
                throw new IllegalArgumentException("header 'shape' has the dimension " + d
                        + ": expected a non-negative integer");
            }
            s[i] = ((BigInteger) d).longValue();
        }
        return new NpyHeader((String) descr, (Boolean) fortran, s);
    }

    /** The dict text NumPy writes, without padding or the final newline. */
    static String format(String descr, long[] shape) {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr)
                .append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",), }" : "), }").toString();
    }

    private static String describe(Object v) {
        return v == null ? "missing" : String.valueOf(v instanceof Tuple ? ((Tuple) v).items : v);
    }

    private static String abbreviate(String text) {
        String t = text.strip();
        return t.length() <= 80 ? t : t.substring(0, 77) + "...";
    }

    /** A Python tuple (kept apart from lists, because the shape must be a tuple). */
    private static final class Tuple {
        final List<Object> items;

        Tuple(List<Object> items) {
            this.items = items;
        }
    }

    /** Recursive-descent parser for str, int, bool, None, tuple, list and dict literals. */
    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        Object parseAll() {
            Object v = value();
            skipSpace();
            if (pos != s.length()) {
                throw error("unexpected text after the dict");
            }
            return v;
        }

        private Object value() {
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            if (c == '{') {
                return dict();
            }
            if (c == '(') {
                return new Tuple(sequence('(', ')'));
            }
            if (c == '[') {
                return sequence('[', ']');
            }
            if (c == '\'' || c == '"') {
                return string();
            }
            if (c == '-' || c == '+' || Character.isDigit(c)) {
                return integer();
            }
            if (s.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("None", pos)) {
                pos += 4;
                return null;
            }
            throw error("unexpected character '" + c + "'");
        }

        private Map<Object, Object> dict() {
            Map<Object, Object> map = new LinkedHashMap<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    return map;
                }
                Object key = value();
                skipSpace();
                expect(':');
                Object val = value();
                if (map.containsKey(key)) {
                    throw error("duplicate key " + key);
                }
                map.put(key, val);
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
        }

        private List<Object> sequence(char open, char close) {
            List<Object> items = new ArrayList<>();
            pos++;
            while (true) {
                skipSpace();
                if (peek() == close) {
                    pos++;
                    return items;
                }
                items.add(value());
                skipSpace();
                if (peek() == ',') {
                    pos++;
                } else if (peek() != close) {
                    throw error("expected ',' or '" + close + "'");
                }
            }
        }

        private String string() {
            char quote = s.charAt(pos++);
            StringBuilder sb = new StringBuilder();
            while (pos < s.length() && s.charAt(pos) != quote) {
                char c = s.charAt(pos++);
                if (c == '\\') {
                    if (pos >= s.length()) {
                        break;
                    }
                    c = s.charAt(pos++);
                }
                sb.append(c);
            }
            if (pos >= s.length()) {
                throw error("unterminated string");
            }
            pos++;
            return sb.toString();
        }

        private BigInteger integer() {
            int start = pos;
            if (s.charAt(pos) == '-' || s.charAt(pos) == '+') {
                pos++;
            }
            while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
                pos++;
            }
            if (pos == start || !Character.isDigit(s.charAt(pos - 1))) {
                throw error("malformed integer");
            }
            BigInteger v = new BigInteger(s.substring(start, pos));
            if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
                pos++;
            }
            return v;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private char peek() {
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(pos);
        }

        private void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("header is not parseable (" + what + " at character " + pos + "): "
                    + abbreviate(s));
        }
    }
}
