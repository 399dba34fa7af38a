export { CohortGrid, onPlatform, GRID_PAGE_SIZE, GRID_SORTS, type GridEntry, type GridQuery, type GridSort, type GridView, type ModuleColumn, type Standing } from './grid';
export { GroupBoards, type GroupBoard, type MemberRecords } from './boards';
export { RAGS, dateInWords, expectedPercent, rate, type Rag, type Rating, type Reason } from './rating';
