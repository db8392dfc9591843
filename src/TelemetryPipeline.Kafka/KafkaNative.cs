using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace TelemetryPipeline.Kafka;

/// <summary>
/// The one place that binds Confluent.Kafka 1.9.3's managed assembly to the OS's librdkafka
/// (Debian's librdkafka1 2.0.2). librdkafka.redist is not obtainable here, so Confluent's default
/// probing (bundled runtimes/ folders, then bare "librdkafka" and "libdl", which need -dev symlinks)
/// would fail on a machine with only the runtime packages.
/// </summary>
public static class KafkaNative
{
    /// <summary>The soname of librdkafka that the runtime package (<c>librdkafka1</c>) installs.</summary>
    public const string LibraryFileName = "librdkafka.so.1";

    /// <summary>The fix printed when librdkafka cannot be loaded.</summary>
    public const string MissingLibraryFix = "librdkafka is missing: apt-get install librdkafka1";

    // glibc >= 2.34 folded libdl into libc, but only the -dev package installs the bare libdl.so
    // that Confluent's [DllImport("libdl")] (used by Library.Load(path) to dlopen) would probe.
    private const string LibDlFileName = "libdl.so.2";

    private static readonly Lock s_gate = new();
    private static volatile bool s_loaded;
    private static IntPtr s_librdkafka;

    /// <summary>True once <see cref="EnsureLoaded"/> has succeeded in this process.</summary>
    public static bool IsLoaded => s_loaded;

    /// <summary>
    /// Makes Confluent.Kafka use the OS's librdkafka; call before creating any producer, consumer,
    /// admin client or <see cref="MockCluster"/>. Idempotent and thread-safe.
    /// </summary>
    /// <exception cref="KafkaSetupException">librdkafka cannot be loaded; the message names the package to install.</exception>
    public static void EnsureLoaded()
    {
        if (s_loaded)
        {
            return;
        }

        lock (s_gate)
        {
            if (s_loaded)
            {
                return;
            }

            s_librdkafka = LoadOrThrow(LibraryFileName);

            try
            {
                NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // A resolver can be registered once per assembly; one is already in place (set before
                // this class was first used), so Confluent's imports are already being mapped.
            }

            try
            {
                if (!Library.IsLoaded)
                {
                    Library.Load(LibraryFileName);
                }
            }
            catch (Exception ex) when (ex is DllNotFoundException or InvalidOperationException or FileLoadException or EntryPointNotFoundException)
            {
                throw new KafkaSetupException($"{MissingLibraryFix} (Confluent.Kafka could not bind {LibraryFileName}: {ex.Message}).", ex);
            }

            s_loaded = true;
        }
    }

    /// <summary>Loads a native librdkafka by file name, or throws the setup error that names the package to install.</summary>
    internal static IntPtr LoadOrThrow(string fileName) =>
        NativeLibrary.TryLoad(fileName, out var handle)
            ? handle
            : throw new KafkaSetupException($"{MissingLibraryFix} (could not load {fileName}).");

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        switch (libraryName)
        {
            case "librdkafka":
                return s_librdkafka;
            case "libdl":
                return NativeLibrary.TryLoad(LibDlFileName, out var libdl) ? libdl : IntPtr.Zero;
            default:
                // Zero falls back to the runtime's default probing (e.g. kernel32 on Windows).
                return IntPtr.Zero;
        }
    }
}
