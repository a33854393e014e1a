using System.Runtime.InteropServices;
using Esen.Native.SafeHandles;

namespace Esen.Native.Interop;

internal static partial class Interop
{
    // Model building (Cbc_C_Interface.h, CBC 2.10.8). CoinBigIndex is int in Debian's build.
    internal static partial class Cbc
    {
        /// <summary><c>Cbc_Model* Cbc_newModel(void)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial SafeCbcModelHandle Cbc_newModel();

        /// <summary><c>void Cbc_deleteModel(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial void Cbc_deleteModel(IntPtr model);

        [LibraryImport(Libraries.Cbc, EntryPoint = "Cbc_loadProblem")]
        private static unsafe partial void Cbc_loadProblem(
            SafeCbcModelHandle model, int numcols, int numrows, int* start, int* index, double* value,
            double* collb, double* colub, double* obj, double* rowlb, double* rowub);

        /// <summary>
        /// <c>Cbc_loadProblem</c>: the whole model at once, constraint matrix in compressed sparse
        /// column form (<paramref name="start"/> has numcols + 1 entries).
        /// </summary>
        internal static unsafe void Cbc_loadProblem(
            SafeCbcModelHandle model, int numcols, int numrows,
            ReadOnlySpan<int> start, ReadOnlySpan<int> index, ReadOnlySpan<double> value,
            ReadOnlySpan<double> collb, ReadOnlySpan<double> colub, ReadOnlySpan<double> obj,
            ReadOnlySpan<double> rowlb, ReadOnlySpan<double> rowub)
        {
            fixed (int* pStart = start)
            fixed (int* pIndex = index)
            fixed (double* pValue = value)
            fixed (double* pCollb = collb)
            fixed (double* pColub = colub)
            fixed (double* pObj = obj)
            fixed (double* pRowlb = rowlb)
            fixed (double* pRowub = rowub)
            {
                Cbc_loadProblem(model, numcols, numrows, pStart, pIndex, pValue, pCollb, pColub, pObj, pRowlb, pRowub);
            }
        }

        /// <summary><c>void Cbc_setInteger(Cbc_Model*, int iColumn)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial void Cbc_setInteger(SafeCbcModelHandle model, int iColumn);

        /// <summary><c>void Cbc_setObjSense(Cbc_Model*, double sense)</c>: 1 minimise, -1 maximise.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial void Cbc_setObjSense(SafeCbcModelHandle model, double sense);

        /// <summary>
        /// <c>void Cbc_setParameter(Cbc_Model*, const char* name, const char* value)</c>: appended as
        /// <c>-name value</c> to the command line CbcMain parses inside <c>Cbc_solve</c>.
        /// </summary>
        [LibraryImport(Libraries.Cbc, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial void Cbc_setParameter(SafeCbcModelHandle model, string name, string value);

        /// <summary><c>void Cbc_setLogLevel(Cbc_Model*, int logLevel)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial void Cbc_setLogLevel(SafeCbcModelHandle model, int logLevel);

        [LibraryImport(Libraries.Cbc, EntryPoint = "Cbc_setMIPStartI")]
        private static unsafe partial void Cbc_setMIPStartI(SafeCbcModelHandle model, int count, int* colIdxs, double* colValues);

        /// <summary><c>void Cbc_setMIPStartI(Cbc_Model*, int count, const int colIdxs[], const double colValues[])</c>.</summary>
        internal static unsafe void Cbc_setMIPStartI(SafeCbcModelHandle model, ReadOnlySpan<int> colIdxs, ReadOnlySpan<double> colValues)
        {
            fixed (int* pIdx = colIdxs)
            fixed (double* pValues = colValues)
            {
                Cbc_setMIPStartI(model, colIdxs.Length, pIdx, pValues);
            }
        }

        /// <summary><c>int Cbc_getNumCols(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_getNumCols(SafeCbcModelHandle model);

        /// <summary><c>int Cbc_getNumRows(Cbc_Model*)</c>.</summary>
        [LibraryImport(Libraries.Cbc)]
        internal static partial int Cbc_getNumRows(SafeCbcModelHandle model);
    }
}
