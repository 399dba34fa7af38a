export { neutraliseFormula, writeCsv, type CsvCell } from './csv-export';
export { readImportFile, type ImportText } from './import-file';
