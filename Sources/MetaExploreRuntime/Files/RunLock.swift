import Foundation

/// An exclusive lock on a run folder (`<run>/.lock`), held while a run trains in it, so two processes never write
/// one folder (two `train --out X`, or a second `train --resume` while the first still runs).
///
/// The lock is an advisory `flock` on the file, which the kernel releases when the holding process ends however it
/// ends (SIGKILL included); the file keeps the holder's process id for messages. A lock file left by a process that
/// no longer holds the lock is taken over, and `takenOver` says whose it was.
public final class RunLock {
    public let url: URL
    /// The process id recorded by a previous holder that had ended, when this lock took its file over.
    public private(set) var takenOver: Int32?
    private var fd: Int32

    /// Takes the lock of `folder` (created if needed), or throws `RunLockError.held` naming the holder.
    public init(folder: URL) throws {
        url = folder.appendingPathComponent(".lock")
        try RunDirectory.prepareFolder(folder)
        fd = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {  // (fd is -1: deinit has nothing to close)
            throw TrainingSetupError.unwritableFolder(folder.path, String(cString: strerror(errno)))
        }
        let previous = Self.recordedHolder(fd)
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            fd = -1  // deinit runs after a throwing init too: it must not close a descriptor number reused since
            throw RunLockError.held(folder: folder.path, pid: previous)
        }
        if let previous, previous != getpid() { takenOver = previous }
        let text = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    private static func recordedHolder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, 31, 0)
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Releases the lock (also done when the lock is deallocated or the process ends).
    public func release() {
        guard fd >= 0 else { return }
        flock(fd, LOCK_UN)
        close(fd)
        fd = -1
    }

    deinit { release() }
}

public enum RunLockError: Error, CustomStringConvertible, Equatable {
    case held(folder: String, pid: Int32?)

    public var description: String {
        switch self {
        case let .held(folder, pid):
            return "the run folder \(folder) is in use by another process\(pid.map { " (pid \($0))" } ?? ""); wait for "
                + "it to finish, stop it (Ctrl-C checkpoints it), or choose another --out"
        }
    }
}
