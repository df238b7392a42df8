//! The checkout's state: where it stands, the order, what the customer typed. All of it
//! is one value ([`Model`]), changed only through [`Change`]s; the checkout shows the
//! model again after each change.

use crate::i18n::Msg;
use doku_protocol::{Email, Field, FieldError, FirstName, OrderView};

/// Where the checkout stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Asking for the order.
    Loading,
    /// The order could not be loaded; the customer may try again.
    LoadFailed(Msg),
    /// The form, ready.
    Form,
    /// Opening the session, waiting for DOKU's redirect, leaving or checking.
    Busy(Msg),
    /// Paid.
    Success {
        /// The payment.
        payment_id: String,
    },
    /// Declined, with the platform's code if it gave one.
    Declined {
        /// The payment.
        payment_id: String,
        /// The platform's decline code.
        code: Option<String>,
    },
    /// Paid, then refunded.
    Refunded {
        /// The payment.
        payment_id: String,
    },
    /// No final status came in time.
    NotConfirmed {
        /// The payment.
        payment_id: String,
    },
    /// The order is paid already.
    AlreadyPaid,
}

impl Stage {
    /// Whether the stage shows a payment's result card.
    pub fn is_result(&self) -> bool {
        matches!(
            self,
            Stage::Success { .. }
                | Stage::Declined { .. }
                | Stage::Refunded { .. }
                | Stage::NotConfirmed { .. }
        )
    }
}

/// One of the form's two fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    /// The customer's first name.
    FirstName,
    /// The customer's email.
    Email,
}

impl Asked {
    /// Both fields, in the form's order.
    pub const ALL: [Asked; 2] = [Asked::FirstName, Asked::Email];

    /// The contract's field.
    pub fn field(self) -> Field {
        match self {
            Asked::FirstName => Field::FirstName,
            Asked::Email => Field::Email,
        }
    }

    /// The value as the shared rules accept it, or why not.
    pub fn parse(self, text: &str) -> Result<String, FieldError> {
        match self {
            Asked::FirstName => FirstName::parse(text).map(|name| name.to_string()),
            Asked::Email => Email::parse(text).map(|email| email.to_string()),
        }
    }

    /// Its place in [`Asked::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// What is typed into a field, and what is wrong with it (once checked).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Typed {
    /// The input's value.
    pub value: String,
    /// Why the value was refused when last checked.
    pub error: Option<FieldError>,
}

/// Everything the checkout shows follows from this.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Where the checkout stands.
    pub stage: Stage,
    /// The order, once loaded.
    pub order: Option<OrderView>,
    /// The two fields, in [`Asked::ALL`]'s order.
    pub fields: [Typed; 2],
    /// The line under the form: why the last attempt did not go through.
    pub form_error: Option<Msg>,
}

/// One change to the [`Model`].
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The checkout moves to a stage.
    Stage(Stage),
    /// The order arrived.
    Order(OrderView),
    /// The form's error line.
    FormError(Option<Msg>),
    /// The customer typed into a field.
    Typed(Asked, String),
    /// A field's value was checked.
    Checked(Asked, Option<FieldError>),
}

impl Model {
    /// Loading, with the fields prefilled from `first_name` and `email`.
    pub fn new(first_name: Option<&String>, email: Option<&String>) -> Model {
        let typed = |value: Option<&String>| Typed {
            value: value.cloned().unwrap_or_default(),
            error: None,
        };
        Model {
            stage: Stage::Loading,
            order: None,
            fields: [typed(first_name), typed(email)],
            form_error: None,
        }
    }

    /// The field `asked`.
    pub fn field(&self, asked: Asked) -> &Typed {
        &self.fields[asked.index()]
    }

    /// Applies `change`.
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Stage(stage) => self.stage = stage,
            Change::Order(order) => self.order = Some(order),
            Change::FormError(error) => self.form_error = error,
            Change::Typed(asked, value) => self.fields[asked.index()].value = value,
            Change::Checked(asked, error) => self.fields[asked.index()].error = error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_reach_their_own_part_of_the_model() {
        let mut model = Model::new(Some(&"Budi".to_string()), None);
        assert_eq!(model.stage, Stage::Loading);
        assert_eq!(model.field(Asked::FirstName).value, "Budi");
        assert_eq!(model.field(Asked::Email), &Typed::default());

        model.apply(Change::Typed(Asked::Email, "budi@".into()));
        model.apply(Change::Checked(Asked::Email, Some(FieldError::Required)));
        model.apply(Change::Stage(Stage::Form));
        model.apply(Change::FormError(Some(Msg::NetworkError)));
        assert_eq!(model.field(Asked::Email).value, "budi@");
        assert_eq!(model.field(Asked::Email).error, Some(FieldError::Required));
        assert_eq!(model.field(Asked::FirstName).error, None);
        assert_eq!(model.stage, Stage::Form);
        assert_eq!(model.form_error, Some(Msg::NetworkError));
    }

    #[test]
    fn fields_are_checked_by_the_shared_rules() {
        assert_eq!(Asked::FirstName.parse("  Budi "), Ok("Budi".to_string()));
        assert_eq!(Asked::Email.parse(""), Err(FieldError::Required));
        assert_eq!(
            Asked::ALL.map(Asked::field),
            [Field::FirstName, Field::Email]
        );
    }
}
