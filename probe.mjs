import { s2 } from 's2js';
import * as h3 from 'h3-js';
import ngeohash from 'ngeohash';
const tok = '89c259';
const id = s2.cellid.fromToken(tok);
console.log('valid', s2.cellid.valid(id), s2.cellid.level(id));
console.log('edge', s2.cellid.edgeNeighbors(id).map(s2.cellid.toToken));
console.log('all', s2.cellid.allNeighbors(id, s2.cellid.level(id)).map(s2.cellid.toToken));
console.log('want ["89c25d","89c2f9","89c251","89c257","89c25f","89c25b","89c2f7","89c2f5"]');
const cell = s2.Cell.fromCellID(id);
for (let k=0;k<4;k++){ const v=s2.LatLng.fromPoint(cell.vertex(k)); console.log(v.lng*180/Math.PI, v.lat*180/Math.PI); }
const c = s2.LatLng.fromPoint(s2.Cell.fromCellID(s2.cellid.fromToken('1234567')).center()); console.log('center', c.lng*180/Math.PI, c.lat*180/Math.PI, 'want 9.86830731850408 27.468392925827604');
console.log('gh', ngeohash.encode(25.802215, -80.195829, 8), ngeohash.decode('sunny'), ngeohash.neighbors('sunny'), ngeohash.decode_bbox('dr5ru'));
console.log('want ["sunnt","sunpj","sunnx","sunpn","sunnv","sunpp","sunnz","sunnw"]');
console.log(h3.latLngToCell(40.689250859314974, -74.04450446039874, 6), h3.cellToLatLng('862a1072fffffff'), h3.cellToParent('862a1072fffffff',5), h3.gridDisk('862a1072fffffff',1), h3.gridRingUnsafe ? h3.gridRingUnsafe('862a1072fffffff',1):'');
console.log('want ["862a10727ffffff","862a10707ffffff","862a1070fffffff","862a10777ffffff","862a100dfffffff","862a100d7ffffff"]');
console.log(JSON.stringify(h3.gridDiskDistances('861f8894fffffff',2)));
console.log(JSON.stringify(h3.cellToBoundary('862a1072fffffff', true)));
{
const C = s2.cellid;
function allNeighborsCpp(id) {
  const lvl = C.level(id);
  let { f: face, i, j } = C.faceIJOrientation(id);
  const size = C.sizeIJ(lvl);
  i &= -size; j &= -size;
  const nbr = size, MAX = 1 << 30;
  const out = [];
  for (let k = -nbr; ; k += nbr) {
    let same;
    if (k < 0) same = j + k >= 0;
    else if (k >= size) same = j + k < MAX;
    else {
      same = true;
      out.push(C.parent(C.fromFaceIJSame(face, i + k, j - nbr, j - size >= 0), lvl));
      out.push(C.parent(C.fromFaceIJSame(face, i + k, j + size, j + size < MAX), lvl));
    }
    out.push(C.parent(C.fromFaceIJSame(face, i - nbr, j + k, same && i - size >= 0), lvl));
    out.push(C.parent(C.fromFaceIJSame(face, i + size, j + k, same && i + size < MAX), lvl));
    if (k >= size) break;
  }
  return out.map(C.toToken);
}
console.log('cpp', allNeighborsCpp(C.fromToken('89c259')));
}
{
const C = s2.cellid;
const base = C.faceIJOrientation(C.fromToken('89c259'));
for (const t of ["89c25d","89c2f9","89c251","89c257","89c25f","89c25b","89c2f7","89c2f5"]) { const o = C.faceIJOrientation(C.fromToken(t)); const sz=C.sizeIJ(10); console.log(t, (o.i&-sz)-(base.i&-sz), (o.j&-sz)-(base.j&-sz), o.f); }
}
