export { emvParamsMigrations } from './migrations.js';
export { EmvParamService, PARAM_PAGE_BYTES_MAX_DEFAULT, type EmvParamDownloadNeeded, type EmvParamImportResult, type EmvParamServiceOptions, type EmvParamVersions } from './emv-param-service.js';
export { AID_COUNT_MAX, CAPK_COUNT_MAX, EMV_PARAMETER_FILE_FORMAT, keyName, parseEmvParameterFile, type EmvParameterSet } from './parameter-file.js';
