export { CHANGE_KINDS, CHANGE_STATES, type ChangeDetails, type ChangeKind, type ChangeRequestView, type ChangeState, type ChangeDecisionView, type PairingView } from './model';
export { ChangeInputError, LIMITS as CHANGE_LIMITS, type ChangeForm, type FieldError } from './input';
export { AlreadyDecidedError, ChangeRequests, FORM_ID, REVIEW_PAGE_SIZE, type AnsweredListener, type ChangeDeps, type CurrentValues, type ReviewFilter, type ReviewItem, type ReviewPage } from './requests';
