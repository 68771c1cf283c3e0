package org.dl4jconnectome.cuda;

/** A CUDA driver call failed: the message names the call, the driver's error name and its explanation. */
public final class CudaException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final int result;

    CudaException(String message, int result) {
        super(message);
        this.result = result;
    }

    /** The driver's CUresult code. */
    public int result() {
        return result;
    }
}
