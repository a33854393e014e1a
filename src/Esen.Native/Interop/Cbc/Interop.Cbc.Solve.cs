using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    // Solving and solution queries. Every query below aborts the process when called before
    // Cbc_solve; only CbcModel calls them, and only after a solve.
    internal static partial class Cbc
    {
        /// <summary><c>int Cbc_solve(Cbc_Model*)</c>: 0 finished, 1 stopped on a limit, 2 abandoned, 5 user event.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_solve(SafeCbcModelHandle model);

        /// <summary><c>const double* Cbc_getColSolution(Cbc_Model*)</c>; owned by the model.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial IntPtr Cbc_getColSolution(SafeCbcModelHandle model);

        /// <summary><c>double* Cbc_bestSolution(Cbc_Model*)</c>: the incumbent, NULL when there is none.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial IntPtr Cbc_bestSolution(SafeCbcModelHandle model);

        /// <summary><c>double Cbc_getObjValue(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial double Cbc_getObjValue(SafeCbcModelHandle model);

        /// <summary><c>double Cbc_getBestPossibleObjValue(Cbc_Model*)</c>, in the model's own sense.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial double Cbc_getBestPossibleObjValue(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_isProvenOptimal(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_isProvenOptimal(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_isProvenInfeasible(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_isProvenInfeasible(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_isContinuousUnbounded(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_isContinuousUnbounded(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_isAbandoned(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_isAbandoned(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_isSecondsLimitReached(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_isSecondsLimitReached(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_status(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_status(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_secondaryStatus(Cbc_Model*)</c>: 0 solution, 1 LP infeasible, 2 gap, 3 nodes, 4 time, 6 solutions, 7 LP unbounded.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_secondaryStatus(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_getNodeCount(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_getNodeCount(SafeCbcModelHandle model);
    }
}
